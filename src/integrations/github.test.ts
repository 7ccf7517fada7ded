import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeInstallationToken, startFakeGithub, type FakeGithub } from '../../test/support/fake-providers.js';
import { createGithubClient, effectivePermission, type GithubClient, type GithubRetryOptions } from './github.js';
import { IntegrationError } from './retry.js';

const TOKEN = 'ghp_test_token_never_printed';
const repo = { owner: 'Codertocat', repo: 'Hello-World' };

let fake: FakeGithub;
let retry: GithubRetryOptions;
let github: GithubClient;

beforeEach(async () => {
  fake = await startFakeGithub({
    permissions: { alice: 'admin', bob: 'maintain', carol: 'triage', dave: 'write', erin: 'read', 'sec-team': 'security-reviewer' },
  });
  // Backoff and rate-limit waits in milliseconds instead of seconds.
  retry = { backoffBaseMs: 1, msPerRetryAfterSecond: 1 };
  github = createGithubClient({ token: TOKEN }, { baseUrl: fake.url, retry });
});
afterEach(async () => {
  await fake.close();
});

const lastCall = () => fake.calls.at(-1)!;

describe('GitHub client against the fake API', () => {
  it('creates and updates an issue comment, sending the token', async () => {
    const created = await github.createIssueComment({ ...repo, issueNumber: 1, body: 'On it.' });
    expect(created).toEqual({
      id: expect.any(Number),
      html_url: `https://github.com/Codertocat/Hello-World/issues/1#issuecomment-${created.id}`,
    });
    expect(fake.calls[0]).toMatchObject({
      method: 'POST',
      path: '/repos/Codertocat/Hello-World/issues/1/comments',
      body: { body: 'On it.' },
      status: 201,
    });

    const updated = await github.updateIssueComment({ ...repo, commentId: created.id, body: 'Done.' });
    expect(updated.id).toBe(created.id);
    expect(lastCall()).toMatchObject({
      method: 'PATCH',
      path: `/repos/Codertocat/Hello-World/issues/comments/${created.id}`,
      body: { body: 'Done.' },
    });

    expect(fake.calls.every((c) => c.headers.authorization === 'token [redacted]')).toBe(true);
    expect(fake.sawCredential(TOKEN)).toBe(true);
  });

  it('adds reactions to issue comments, review comments and issues', async () => {
    await github.addReaction({ ...repo, target: { kind: 'issue_comment', id: 492700400 }, content: 'eyes' });
    await github.addReaction({ ...repo, target: { kind: 'review_comment', id: 284312630 }, content: '+1' });
    await github.addReaction({ ...repo, target: { kind: 'issue', id: 1 }, content: 'rocket' });
    // A repeat gets GitHub's 200 "already there", which is success.
    await github.addReaction({ ...repo, target: { kind: 'issue', id: 1 }, content: 'rocket' });
    expect(fake.calls.map((c) => [c.method, c.path, c.body.content, c.status])).toEqual([
      ['POST', '/repos/Codertocat/Hello-World/issues/comments/492700400/reactions', 'eyes', 201],
      ['POST', '/repos/Codertocat/Hello-World/pulls/comments/284312630/reactions', '+1', 201],
      ['POST', '/repos/Codertocat/Hello-World/issues/1/reactions', 'rocket', 201],
      ['POST', '/repos/Codertocat/Hello-World/issues/1/reactions', 'rocket', 200],
    ]);
  });

  it('replies to and edits a review comment', async () => {
    const reply = await github.replyToReviewComment({ ...repo, pullNumber: 2, commentId: 284312630, body: 'Fixed in abc123.' });
    expect(reply.id).toEqual(expect.any(Number));
    expect(lastCall()).toMatchObject({
      method: 'POST',
      path: '/repos/Codertocat/Hello-World/pulls/2/comments/284312630/replies',
      body: { body: 'Fixed in abc123.' },
    });
    await github.updateReviewComment({ ...repo, commentId: reply.id, body: 'Fixed in def456.' });
    expect(lastCall()).toMatchObject({
      method: 'PATCH',
      path: `/repos/Codertocat/Hello-World/pulls/comments/${reply.id}`,
      body: { body: 'Fixed in def456.' },
    });
  });

  it('adds labels and returns the issue labels', async () => {
    const result = await github.addLabels({ ...repo, issueNumber: 1, labels: ['claude', 'in-progress'] });
    expect(result).toEqual({ labels: ['claude', 'in-progress'] });
    expect(lastCall()).toMatchObject({
      method: 'POST',
      path: '/repos/Codertocat/Hello-World/issues/1/labels',
      body: { labels: ['claude', 'in-progress'] },
    });
  });

  it('reads the real role from role_name (maintain and triage are reported as write and read in `permission`)', async () => {
    const roles = await Promise.all(
      ['alice', 'bob', 'carol', 'dave', 'erin'].map((username) => github.getPermission({ ...repo, username })),
    );
    expect(roles).toEqual(['admin', 'maintain', 'triage', 'write', 'read']);
    // Five lookups at once: they reach the fake in any order.
    expect(fake.calls).toContainEqual(expect.objectContaining({ method: 'GET', path: '/repos/Codertocat/Hello-World/collaborators/bob/permission' }));
  });

  it('falls back to the base level for a custom role, and answers none on 404 without retrying', async () => {
    expect(await github.getPermission({ ...repo, username: 'sec-team' })).toBe('read');
    const before = fake.calls.length;
    expect(await github.getPermission({ ...repo, username: 'mallory' })).toBe('none');
    expect(fake.calls.length - before).toBe(1);
    fake.setPermission('mallory', 'write');
    expect(await github.getPermission({ ...repo, username: 'mallory' })).toBe('write');
    expect(effectivePermission(undefined, undefined)).toBe('none');
  });

  it('retries a 502, then succeeds (plugin-retry)', async () => {
    fake.failNext(1, 502);
    const created = await github.createIssueComment({ ...repo, issueNumber: 1, body: 'hello' });
    expect(created.id).toEqual(expect.any(Number));
    expect(fake.calls.map((c) => c.status)).toEqual([502, 201]);
  });

  it.each([403, 429])('waits out a secondary rate limit (%i) for its Retry-After, then succeeds (plugin-throttling)', async (status) => {
    const msPerSecond = 50;
    const client = createGithubClient({ token: TOKEN }, { baseUrl: fake.url, retry: { ...retry, msPerRetryAfterSecond: msPerSecond } });
    fake.failNext(1, status, { 'retry-after': '3' }, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' });
    const started = Date.now();
    await client.createIssueComment({ ...repo, issueNumber: 1, body: 'hello' });
    // A lower bound only: the retry cannot come before the 3 "seconds" GitHub asked for.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * msPerSecond);
    expect(fake.calls.map((c) => c.status)).toEqual([status, 201]);
  });

  it('gives up on a secondary rate limit that asks for longer than it waits inline, keeping Retry-After', async () => {
    fake.failNext(1, 403, { 'retry-after': '120' }, { message: 'You have exceeded a secondary rate limit.' });
    const error = (await github.createIssueComment({ ...repo, issueNumber: 1, body: 'x' }).catch((e: unknown) => e)) as IntegrationError;
    expect(error).toBeInstanceOf(IntegrationError);
    expect(error.status).toBe(403);
    expect(error.retryAfterMs).toBe(120_000);
    expect(fake.calls).toHaveLength(1);
  });

  it('does not retry a 404 and says what failed', async () => {
    const error = await github.updateIssueComment({ ...repo, commentId: 999, body: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrationError);
    expect((error as Error).message).toBe('GitHub PATCH /repos/Codertocat/Hello-World/issues/comments/999 failed: 404 Not Found');
    expect(fake.calls).toHaveLength(1);
    // Nothing reachable from the error holds the token (Octokit's RequestError, which has the request, is dropped).
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it('does not wait for an exhausted quota that resets later than it waits inline, and reports when it resets', async () => {
    const reset = Math.floor(Date.now() / 1000) + 60;
    fake.failNext(1, 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) });
    const error = (await github.addLabels({ ...repo, issueNumber: 1, labels: ['x'] }).catch((e: unknown) => e)) as IntegrationError;
    expect(error.status).toBe(403);
    expect(error.retryAfterMs).toBeGreaterThan(50_000);
    expect(fake.calls).toHaveLength(1);
  });

  it('gives up after the bounded number of retries', async () => {
    fake.failNext(10, 502);
    await expect(github.createIssueComment({ ...repo, issueNumber: 1, body: 'x' })).rejects.toThrow(
      'GitHub POST /repos/Codertocat/Hello-World/issues/1/comments failed: 502 Bad Gateway: Server Error',
    );
    expect(fake.calls).toHaveLength(4);
  });

  it('works against a GitHub Enterprise Server base URL (/api/v3)', async () => {
    const ghes = createGithubClient({ token: TOKEN }, { baseUrl: `${fake.url}/api/v3/`, retry });
    await ghes.createIssueComment({ ...repo, issueNumber: 3, body: 'hi' });
    expect(lastCall()).toMatchObject({ path: '/api/v3/repos/Codertocat/Hello-World/issues/3/comments', status: 201 });
  });

  it('retries when no response arrives, then reports the network error', async () => {
    const closed = await closedPort();
    const offline = createGithubClient({ token: TOKEN }, { baseUrl: `http://127.0.0.1:${closed}`, retry });
    let attempts = 0;
    const counting = createServer((req) => {
      attempts += 1;
      req.socket.destroy(); // a connection that dies without an answer
    });
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    const dying = createGithubClient({ token: TOKEN }, { baseUrl: `http://127.0.0.1:${(counting.address() as AddressInfo).port}`, retry });
    try {
      await expect(offline.createIssueComment({ ...repo, issueNumber: 1, body: 'x' })).rejects.toThrow(
        'GitHub POST /repos/Codertocat/Hello-World/issues/1/comments failed: no response (ECONNREFUSED)',
      );
      await expect(dying.createIssueComment({ ...repo, issueNumber: 1, body: 'x' })).rejects.toThrow(/failed: no response/);
      expect(attempts).toBe(4);
    } finally {
      counting.close();
    }
  });
});

describe('GitHub client timeouts', () => {
  it('abandons an attempt that gets no answer within timeoutMs, the token exchange included', async () => {
    const { privateKey } = rsaKeyPair();
    const silent = createServer(() => {}); // accepts requests, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const once = { ...retry, retries: 0 };
      const withToken = createGithubClient({ token: TOKEN }, { baseUrl, retry: once, timeoutMs: 50 });
      await expect(withToken.addLabels({ ...repo, issueNumber: 1, labels: ['x'] })).rejects.toThrow(
        'GitHub POST /repos/Codertocat/Hello-World/issues/1/labels failed: no response (timed out)',
      );
      const asApp = createGithubClient({ appId: 1, privateKey, installationId: 42 }, { baseUrl, retry: once, timeoutMs: 50 });
      await expect(asApp.addLabels({ ...repo, issueNumber: 1, labels: ['x'] })).rejects.toThrow(
        'GitHub POST /app/installations/42/access_tokens failed: no response (timed out)',
      );
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('GitHub App authentication', () => {
  const { privateKey, publicKey } = rsaKeyPair();
  let app: FakeGithub;
  beforeEach(async () => {
    app = await startFakeGithub({ appPublicKey: publicKey, permissions: { alice: 'write' } });
  });
  afterEach(async () => {
    await app.close();
  });

  it('exchanges a signed JWT for an installation token, caches it, and uses it for API calls', async () => {
    const client = createGithubClient({ appId: 12345, privateKey, installationId: 42 }, { baseUrl: app.url, retry });
    await client.createIssueComment({ ...repo, issueNumber: 1, body: 'from the app' });
    await client.addReaction({ ...repo, target: { kind: 'issue', id: 1 }, content: 'eyes' });

    expect(app.calls.map((c) => [c.method, c.path, c.status, c.headers.authorization])).toEqual([
      ['POST', '/app/installations/42/access_tokens', 201, 'bearer [redacted]'],
      ['POST', '/repos/Codertocat/Hello-World/issues/1/comments', 201, 'token [redacted]'],
      ['POST', '/repos/Codertocat/Hello-World/issues/1/reactions', 201, 'token [redacted]'],
    ]);
    expect(app.sawCredential(fakeInstallationToken(42, 1))).toBe(true);
  });

  it('uses a per-call installation id, with its own token', async () => {
    const client = createGithubClient({ appId: '12345', privateKey: privateKey.replace(/\n/g, '\\n') }, { baseUrl: app.url, retry });
    expect(await client.getPermission({ ...repo, username: 'alice', installationId: 7 })).toBe('write');
    await client.getPermission({ ...repo, username: 'alice', installationId: 8 });
    expect(app.calls.filter((c) => c.path.endsWith('/access_tokens')).map((c) => c.path)).toEqual([
      '/app/installations/7/access_tokens',
      '/app/installations/8/access_tokens',
    ]);
    expect(app.sawCredential(fakeInstallationToken(8, 2))).toBe(true);
  });

  it('explains a missing installation id', async () => {
    const client = createGithubClient({ appId: 12345, privateKey }, { baseUrl: app.url, retry });
    await expect(client.createIssueComment({ ...repo, issueNumber: 1, body: 'x' })).rejects.toThrow(/needs an installation id/);
    expect(app.calls).toHaveLength(0);
  });

  it('retries a failed token exchange as part of the call', async () => {
    const client = createGithubClient({ appId: 12345, privateKey, installationId: 42 }, { baseUrl: app.url, retry });
    app.failNext(1, 503);
    await client.createIssueComment({ ...repo, issueNumber: 1, body: 'x' });
    expect(app.calls.map((c) => [c.path, c.status])).toEqual([
      ['/app/installations/42/access_tokens', 503],
      ['/app/installations/42/access_tokens', 201],
      ['/repos/Codertocat/Hello-World/issues/1/comments', 201],
    ]);
  });

  it('names the token exchange when the JWT is rejected', async () => {
    const other = rsaKeyPair();
    const client = createGithubClient({ appId: 12345, privateKey: other.privateKey, installationId: 42 }, { baseUrl: app.url, retry });
    await expect(client.createIssueComment({ ...repo, issueNumber: 1, body: 'x' })).rejects.toThrow(
      'GitHub POST /app/installations/42/access_tokens failed: 401 Unauthorized: A JSON web token could not be decoded',
    );
    expect(app.calls).toHaveLength(1);
  });
});

function rsaKeyPair() {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

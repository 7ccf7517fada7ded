import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSentry, type FakeProvider } from '../../test/support/fake-providers.js';
import { IntegrationError, type RetryOptions } from './retry.js';
import { createSentryClient, type SentryClient } from './sentry.js';

const TOKEN = 'sntryu_test_token_never_printed';

let fake: FakeProvider;
let slept: number[];
let retry: RetryOptions;
let sentry: SentryClient;

beforeEach(async () => {
  fake = await startFakeSentry();
  slept = [];
  retry = { delaysMs: [10, 20, 40], jitter: 0, sleep: async (ms) => void slept.push(ms) };
  sentry = createSentryClient({ baseUrl: fake.url, authToken: TOKEN, retry });
});
afterEach(async () => {
  await fake.close();
});

describe('Sentry client against the fake API', () => {
  it('posts an issue comment on the organization-scoped path', async () => {
    const created = await sentry.addIssueComment({ issueId: 100, text: 'Root cause found.', organizationSlug: 'acme' });
    expect(created).toEqual({ id: '5000' });
    expect(fake.calls[0]).toMatchObject({
      method: 'POST',
      path: '/api/0/organizations/acme/issues/100/comments/',
      body: { text: 'Root cause found.' },
      headers: { authorization: 'Bearer [redacted]', 'content-type': 'application/json' },
      status: 201,
    });
    expect(fake.sawCredential(TOKEN)).toBe(true);
  });

  it('uses the client default organization, or the unscoped path without one', async () => {
    const scoped = createSentryClient({ baseUrl: `${fake.url}/api/0/`, authToken: TOKEN, organizationSlug: 'acme', retry });
    await scoped.addIssueComment({ issueId: '1170820242', text: 'a' });
    await sentry.addIssueComment({ issueId: '1170820242', text: 'b' });
    expect(fake.calls.map((c) => c.path)).toEqual([
      '/api/0/organizations/acme/issues/1170820242/comments/',
      '/api/0/issues/1170820242/comments/',
    ]);
  });

  it('retries a 502 and then a 429 with Retry-After, then succeeds', async () => {
    fake.failNext(1, 502);
    fake.failNext(1, 429, { 'retry-after': '1' });
    await sentry.addIssueComment({ issueId: 100, text: 'hello' });
    expect(fake.calls.map((c) => c.status)).toEqual([502, 429, 201]);
    expect(slept).toEqual([10, 1_000]);
  });

  it('does not retry a 400, and passes on Sentry’s reason', async () => {
    await sentry.addIssueComment({ issueId: 100, text: 'same text' });
    const error = await sentry.addIssueComment({ issueId: 100, text: 'same text' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrationError);
    expect((error as Error).message).toBe(
      'Sentry POST /api/0/issues/100/comments/ failed: 400 Bad Request: You have already posted that comment.',
    );
    expect(fake.calls).toHaveLength(2);
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(TOKEN);
  });

  it('does not retry a 404', async () => {
    fake.failNext(1, 404);
    await expect(sentry.addIssueComment({ issueId: 100, text: 'x' })).rejects.toThrow(
      'Sentry POST /api/0/issues/100/comments/ failed: 404 Not Found',
    );
    expect(fake.calls).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it('abandons an attempt that gets no answer within timeoutMs, and retries it', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const slow = createSentryClient({
        baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        authToken: TOKEN,
        timeoutMs: 50,
        retry: { ...retry, delaysMs: [10] },
      });
      await expect(slow.addIssueComment({ issueId: 100, text: 'x' })).rejects.toThrow(
        'Sentry POST /api/0/issues/100/comments/ failed: no response (timed out) (gave up after 2 attempts)',
      );
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

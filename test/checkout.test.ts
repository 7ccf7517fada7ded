import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/paths.js';
import { startGitHttpServer, type GitHttpServer } from './support/git-http-server.js';
import { gitIn, makeOrigin } from './support/github-origin.js';
import { type FakeGithub, startFakeGithub } from './support/fake-providers.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { signGithub } from './support/signing.js';

const TOKEN = 'ghp_checkout_token_123456';

describe('GitHub tasks run in a checkout of their repository', () => {
  let model: ScriptedModel;
  let github: FakeGithub;
  let h: Harness;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-origin-'));

  beforeAll(async () => {
    makeOrigin(root);
    model = await startScriptedModel();
    github = await startFakeGithub({ permissions: { Codertocat: 'admin' } });
    h = await startHarness({
      model,
      env: { GITHUB_WEBHOOK_SECRET: 's3cret', GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url, GITHUB_CLONE_URL: `file://${path.join(root, 'origin')}` },
    });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
    await github?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const review = async (issue: number, pullRequest: boolean) => {
    const payload = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test/fixtures/github/issue_comment.created.json'), 'utf8'));
    payload.comment.body = '@agent review [[script:bash git log --oneline -1]] please';
    payload.comment.id = 5000 + issue;
    payload.issue.number = issue;
    if (pullRequest) payload.issue.pull_request = { url: `https://api.github.com/repos/Codertocat/Hello-World/pulls/${issue}` };
    const body = JSON.stringify(payload);
    const res = await fetch(`${h.url}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': `co-${issue}`, 'x-hub-signature-256': signGithub('s3cret', body) },
      body,
    });
    expect(res.status).toBe(202);
    return h.waitForTask(((await res.json()) as { task_id: string }).task_id);
  };

  it('an issue is reviewed on the default branch, and the token is nowhere in the workspace', async () => {
    const task = await review(1, false);
    expect(task.status).toBe('completed');
    expect(task.output).toContain('Initial commit on main');
    const workspace = path.join(h.dataDir, 'workspaces', task.task_id);
    expect(fs.readFileSync(path.join(workspace, 'README.md'), 'utf8')).toBe('Hello World\n');
    expect(fs.readFileSync(path.join(workspace, '.git', 'config'), 'utf8')).not.toContain(TOKEN);
    const events = await h.request('GET', `/api/tasks/${task.task_id}/events`);
    expect(events.body.events.map((e: any) => e.item.message).filter(Boolean)[0]).toMatch(/^Checked out Codertocat\/Hello-World at [0-9a-f]{7}\.$/);
  });

  it('a pull request is reviewed at its head', async () => {
    const task = await review(7, true);
    expect(task.output).toContain('The pull request change');
    expect(fs.existsSync(path.join(h.dataDir, 'workspaces', task.task_id, 'feature.txt'))).toBe(true);
  });

  it('the next tasks on the repository fetch into its mirror instead of cloning again, and see what was pushed meanwhile', async () => {
    const mirrors = path.join(h.dataDir, 'mirrors');
    const [mirror, ...others] = fs.readdirSync(mirrors).filter((name) => name.endsWith('.git'));
    expect(others).toEqual([]);
    expect(fs.readFileSync(path.join(mirrors, mirror!, 'config'), 'utf8')).not.toContain(TOKEN);
    // A clone would start from an empty directory: the mark survives only if the mirror is fetched into.
    fs.writeFileSync(path.join(mirrors, mirror!, 'cca-test-mark'), 'still the first clone\n');
    const git = gitIn(path.join(root, 'work'));
    git('checkout', '-q', 'main');
    fs.writeFileSync(path.join(root, 'work', 'later.txt'), 'later\n');
    git('add', '.');
    git('commit', '-q', '-m', 'Pushed after the first task');
    git('push', '-q', path.join(root, 'origin', 'Codertocat', 'Hello-World.git'), 'main');

    // Two tasks at once on the one repository: the mirror's lock keeps their fetches apart.
    const [second, third] = await Promise.all([review(2, false), review(3, false)]);
    for (const task of [second, third]) {
      expect(task.status).toBe('completed');
      expect(task.output).toContain('Pushed after the first task');
      expect(fs.existsSync(path.join(h.dataDir, 'workspaces', task.task_id, 'later.txt'))).toBe(true);
    }
    expect(fs.readdirSync(mirrors).filter((name) => name.endsWith('.git'))).toEqual([mirror]);
    expect(fs.readFileSync(path.join(mirrors, mirror!, 'cca-test-mark'), 'utf8')).toBe('still the first clone\n');
    expect(fs.existsSync(path.join(mirrors, mirror!, 'FETCH_HEAD'))).toBe(true);
  });

  it('a checkout that fails is reported and the run goes on', async () => {
    const task = await review(8, true); // no pull/8/head in the origin
    expect(task.status).toBe('completed');
    const events = await h.request('GET', `/api/tasks/${task.task_id}/events`);
    expect(events.body.events.some((e: any) => e.item.kind === 'status' && e.item.message.includes('could not check out Codertocat/Hello-World PR #8'))).toBe(true);
  });
});

describe('with GitHub App auth, the checkout clones with an installation token the service mints', () => {
  let model: ScriptedModel;
  let github: FakeGithub;
  let git: GitHttpServer;
  let h: Harness;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-origin-app-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

  beforeAll(async () => {
    makeOrigin(root);
    git = await startGitHttpServer(path.join(root, 'origin'));
    model = await startScriptedModel();
    github = await startFakeGithub({ permissions: { Codertocat: 'admin' }, appPublicKey: publicKey });
    h = await startHarness({
      model,
      env: { GITHUB_WEBHOOK_SECRET: 's3cret', GITHUB_APP_ID: '123', GITHUB_APP_PRIVATE_KEY: privateKey, GITHUB_API_URL: github.url, GITHUB_CLONE_URL: git.url },
    });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
    await github?.close();
    await git?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a pull request is checked out at its head with a read-only token for that repository; nothing of either is left in the workspace', async () => {
    // Only a token the fake minted for installation 7 opens the repository.
    git.accept((token) => /^ghs_fake_7_\d+$/.test(token));
    const payload = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test/fixtures/github/issue_comment.created.json'), 'utf8'));
    payload.comment.body = '@agent review [[script:bash git log --oneline -1]] please';
    payload.issue.number = 7;
    payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/7' };
    payload.installation = { id: 7 };
    const body = JSON.stringify(payload);
    const res = await fetch(`${h.url}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': 'co-app-7', 'x-hub-signature-256': signGithub('s3cret', body) },
      body,
    });
    expect(res.status).toBe(202);
    const task = await h.waitForTask(((await res.json()) as { task_id: string }).task_id);
    expect(task.status).toBe('completed');

    const workspace = path.join(h.dataDir, 'workspaces', task.task_id);
    expect(fs.existsSync(path.join(workspace, 'feature.txt'))).toBe(true); // the PR head
    const events = await h.request('GET', `/api/tasks/${task.task_id}/events`);
    expect(events.body.events.map((e: any) => e.item.message).filter(Boolean)[0]).toMatch(/^Checked out Codertocat\/Hello-World PR #7 at [0-9a-f]{7}\.$/);

    // The token was asked for this one repository, to read its contents only.
    const minted = github.calls.filter((c) => c.method === 'POST' && /\/app\/installations\/7\/access_tokens$/.test(c.path));
    expect(minted.some((c) => JSON.stringify([c.body?.repositories, c.body?.permissions]) === JSON.stringify([['Hello-World'], { contents: 'read' }]))).toBe(true);
    const used = git.tokens();
    expect(used.length).toBeGreaterThan(0);
    // Neither the token nor the App's key is left in the workspace or the run's output.
    expect(fs.readFileSync(path.join(workspace, '.git', 'config'), 'utf8')).not.toMatch(/ghs_fake|extraheader/i);
    expect(task.output).toContain('The pull request change');
    for (const token of used) expect(task.output).not.toContain(token);
    expect(task.output).not.toContain('BEGIN PRIVATE KEY');
    expect(task.output).not.toContain(privateKey.split('\n')[1]);
  });
});

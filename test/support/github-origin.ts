// A GitHub repository world for tests of what runs deliver: a bare origin behind the git smart-HTTP server (pushes
// accepted), the fake GitHub opening pull requests on it, the real service, and helpers that comment in its threads.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { TaskView } from '../../src/contracts/task.js';
import { projectRoot } from '../../src/paths.js';
import { eventually } from './eventually.js';
import { type FakeGithub, startFakeGithub } from './fake-providers.js';
import { type GitHttpServer, startGitHttpServer } from './git-http-server.js';
import { type Harness, startHarness } from './harness.js';
import type { ScriptedModel } from './scripted-model.js';
import { signGithub } from './signing.js';

export const REPO = 'Codertocat/Hello-World';
const SECRET = 's3cret-pr';

const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
export const gitIn = (cwd: string) => (...args: string[]) => execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();

/**
 * A bare repository at `<root>/origin/<fullName>.git`: `main` with README.md, and a branch `feature` one commit on
 * with feature.txt (HEAD stays on main). Returns its path and git in it.
 */
export function makeBareRepository(root: string, fullName: string, files: { readme: string; feature: string; featureMessage: string }) {
  const work = path.join(root, 'work');
  const git = gitIn(work);
  fs.mkdirSync(work, { recursive: true });
  git('init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(work, 'README.md'), files.readme);
  git('add', '.');
  git('commit', '-q', '-m', 'Initial commit on main');
  git('checkout', '-q', '-b', 'feature');
  fs.writeFileSync(path.join(work, 'feature.txt'), files.feature);
  git('add', '.');
  git('commit', '-q', '-m', files.featureMessage);
  const bare = path.join(root, 'origin', `${fullName}.git`);
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  const inBare = gitIn(bare);
  inBare('symbolic-ref', 'HEAD', 'refs/heads/main');
  return { bare, inBare };
}

/**
 * A bare repository under `<root>/origin` standing in for Codertocat/Hello-World (or `fullName`), with pull request #7
 * (feature.txt, three lines).
 */
export function makeOrigin(root: string, fullName = REPO): string {
  const { bare, inBare } = makeBareRepository(root, fullName, { readme: 'Hello World\n', feature: 'one\ntwo\nthree\n', featureMessage: 'The pull request change' });
  inBare('update-ref', 'refs/pull/7/head', 'refs/heads/feature');
  inBare('config', 'http.receivepack', 'true');
  return bare;
}

export interface GithubWorld {
  h: Harness;
  github: FakeGithub;
  gitServer: GitHttpServer;
  origin: string;
  /** git in the origin. */
  inOrigin(...args: string[]): string;
  /** A signed delivery of `event`. */
  deliver(event: string, payload: unknown): Promise<Response>;
  /** "@agent <text>" on issue (or pull request) `number`; resolves with the task once its result is posted. */
  comment(number: number, pullRequest: boolean, text: string): Promise<TaskView>;
  close(): Promise<void>;
}

/**
 * With `auth: 'token'` the service holds GITHUB_TOKEN `token`, which alone opens the git server; with 'app' it holds
 * an App key, and the git server takes only installation tokens the fake minted for installation 7.
 */
export async function startGithubWorld(model: ScriptedModel, auth: { token: string } | 'app'): Promise<GithubWorld> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-pr-origin-'));
  const origin = makeOrigin(root);
  const gitServer = await startGitHttpServer(path.join(root, 'origin'));
  const keys = auth === 'app' ? generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }) : undefined;
  gitServer.accept(auth === 'app' ? (token) => /^ghs_fake_7_\d+$/.test(token) : (token) => token === auth.token);
  const github = await startFakeGithub({ permissions: { Codertocat: 'admin' }, gitRoot: path.join(root, 'origin'), appPublicKey: keys?.publicKey });
  const credentials: Record<string, string> = keys ? { GITHUB_APP_ID: '123', GITHUB_APP_PRIVATE_KEY: keys.privateKey } : { GITHUB_TOKEN: (auth as { token: string }).token };
  const h = await startHarness({
    model,
    distributed: true,
    env: { GITHUB_WEBHOOK_SECRET: SECRET, ...credentials, GITHUB_API_URL: github.url, GITHUB_CLONE_URL: gitServer.url, PUBLIC_URL: 'https://agent.example' },
  });
  let delivery = 0;
  const deliver = (event: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    const headers = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': `pr-test-${++delivery}`, 'x-hub-signature-256': signGithub(SECRET, body) };
    return fetch(`${h.url}/webhooks/github`, { method: 'POST', headers, body });
  };
  const comment = async (number: number, pullRequest: boolean, text: string): Promise<TaskView> => {
    const payload = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test/fixtures/github/issue_comment.created.json'), 'utf8'));
    payload.comment.body = text;
    payload.comment.id = 9000 + delivery;
    payload.issue.number = number;
    if (pullRequest) payload.issue.pull_request = { url: `https://api.github.com/repos/${REPO}/pulls/${number}` };
    if (auth === 'app') payload.installation = { id: 7 };
    const res = await deliver('issue_comment', payload);
    expect(res.status).toBe(202);
    const { task_id } = (await res.json()) as { task_id: string };
    expect((await h.waitForTask(task_id)).status).toBe('completed');
    // The thread's final message comes after the service delivered the run's changes.
    await eventually(() => github.calls.some((c) => String(c.body?.body).startsWith('✅') && String(c.body?.body).includes(task_id)), 'the result is posted');
    return (await h.request<TaskView>('GET', `/api/tasks/${task_id}`)).body;
  };
  return {
    h,
    github,
    gitServer,
    origin,
    inOrigin: (...args) => gitIn(origin)(...args),
    deliver,
    comment,
    async close() {
      await h.close();
      await github.close();
      await gitServer.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

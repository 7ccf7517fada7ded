import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskView } from '../src/contracts/task.js';
import { projectRoot } from '../src/paths.js';
import { eventually } from './support/eventually.js';
import { type FakeGithub, startFakeGithub } from './support/fake-providers.js';
import { type GitHttpServer, startGitHttpServer } from './support/git-http-server.js';
import { type Harness, startHarness } from './support/harness.js';
import { type ScriptedModel, startScriptedModel } from './support/scripted-model.js';
import { signGithub } from './support/signing.js';

const TOKEN = 'ghp_pull_request_token_123456';
const SECRET = 's3cret-pr';
const REPO = 'Codertocat/Hello-World';

const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
const gitIn = (cwd: string) => (...args: string[]) => execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();

/** A bare repository standing in for Codertocat/Hello-World, with pull request #7 (feature.txt, three lines). */
function makeOrigin(root: string): string {
  const work = path.join(root, 'work');
  const git = gitIn(work);
  fs.mkdirSync(work, { recursive: true });
  git('init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(work, 'README.md'), 'Hello World\n');
  git('add', '.');
  git('commit', '-q', '-m', 'Initial commit on main');
  git('checkout', '-q', '-b', 'feature');
  fs.writeFileSync(path.join(work, 'feature.txt'), 'one\ntwo\nthree\n');
  git('add', '.');
  git('commit', '-q', '-m', 'The pull request change');
  const bare = path.join(root, 'origin', 'Codertocat', 'Hello-World.git');
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  const inBare = gitIn(bare);
  inBare('update-ref', 'refs/pull/7/head', 'refs/heads/feature');
  inBare('symbolic-ref', 'HEAD', 'refs/heads/main');
  inBare('config', 'http.receivepack', 'true');
  return bare;
}

describe('changes land as pull requests, reviews on the lines, and the task follows its pull request', () => {
  let model: ScriptedModel;
  let github: FakeGithub;
  let gitServer: GitHttpServer;
  let h: Harness;
  let origin: string;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-pr-origin-'));
  let delivery = 0;

  beforeAll(async () => {
    origin = makeOrigin(root);
    gitServer = await startGitHttpServer(path.join(root, 'origin'));
    gitServer.accept((token) => token === TOKEN);
    model = await startScriptedModel();
    github = await startFakeGithub({ permissions: { Codertocat: 'admin' }, gitRoot: path.join(root, 'origin') });
    h = await startHarness({
      model,
      distributed: true,
      env: { GITHUB_WEBHOOK_SECRET: SECRET, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url, GITHUB_CLONE_URL: gitServer.url, PUBLIC_URL: 'https://agent.example' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
    await github?.close();
    await gitServer?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const deliver = async (event: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    return fetch(`${h.url}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': `pr-test-${++delivery}`, 'x-hub-signature-256': signGithub(SECRET, body) },
      body,
    });
  };

  /** "@agent <text>" commented on issue (or pull request) `number`; resolves with the finished task. */
  const comment = async (number: number, pullRequest: boolean, text: string): Promise<TaskView> => {
    const payload = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test/fixtures/github/issue_comment.created.json'), 'utf8'));
    payload.comment.body = text;
    payload.comment.id = 9000 + delivery;
    payload.issue.number = number;
    if (pullRequest) payload.issue.pull_request = { url: `https://api.github.com/repos/${REPO}/pulls/${number}` };
    const res = await deliver('issue_comment', payload);
    expect(res.status).toBe(202);
    const { task_id } = (await res.json()) as { task_id: string };
    expect((await h.waitForTask(task_id)).status).toBe('completed');
    // The thread's final message comes after the service delivered the run's changes.
    await eventually(() => github.calls.some((c) => String(c.body?.body).startsWith('✅') && String(c.body?.body).includes(task_id)), 'the result is posted');
    return (await h.request<TaskView>('GET', `/api/tasks/${task_id}`)).body;
  };

  const calls = (method: string, pattern: RegExp) => github.calls.filter((c) => c.method === method && pattern.test(c.path));
  const pullsOpened = () => calls('POST', /^\/repos\/Codertocat\/Hello-World\/pulls$/);
  const inOrigin = (...args: string[]) => gitIn(origin)(...args);
  let opened: TaskView['pull_request'];

  it('a fix from a GitHub comment ends with a branch pushed by the service and a draft pull request linked from the thread', async () => {
    const task = await comment(1, false, '@agent fix [[script:write fix.txt fixed by the agent]]');
    opened = task.pull_request;
    expect(opened).toMatchObject({ provider: 'github', repository: REPO, number: 100, state: 'open', checks: null });
    expect(opened!.branch).toMatch(new RegExp(`^agent/${task.flow_id}-1$`));
    const [pr] = pullsOpened();
    expect(pr!.body).toMatchObject({ head: opened!.branch, base: 'main', draft: true, title: 'Wrote fix.txt.' });
    expect(pr!.body.body).toContain(`https://agent.example/tasks/${task.task_id}`);
    // The branch holds the run's file on top of main, and nothing of the service's own (.claude links).
    expect(inOrigin('show', `refs/heads/${opened!.branch}:fix.txt`)).toBe('fixed by the agent');
    expect(inOrigin('rev-parse', `refs/heads/${opened!.branch}~1`)).toBe(inOrigin('rev-parse', 'refs/heads/main'));
    expect(inOrigin('ls-tree', '-r', '--name-only', `refs/heads/${opened!.branch}`).split('\n').sort()).toEqual(['README.md', 'fix.txt']);
    // The thread's final message names the pull request.
    const posted = calls('POST', /\/issues\/1\/comments$/).concat(calls('PATCH', /\/issues\/comments\/\d+$/));
    expect(posted.some((c) => String(c.body?.body).includes(opened!.url))).toBe(true);
    // The push used the service's token; the run's workspace never held it.
    expect(gitServer.tokens()).toEqual([TOKEN]);
    const workspace = path.join(h.dataDir, 'workspaces', task.task_id);
    expect(fs.readFileSync(path.join(workspace, '.git', 'config'), 'utf8')).not.toContain(TOKEN);
  });

  it('a follow-up in that pull request pushes to the same branch and opens no new pull request', async () => {
    const task = await comment(opened!.number, true, '@agent fix [[script:write fix.txt second version]]');
    expect(task.pull_request).toMatchObject({ number: opened!.number, branch: opened!.branch });
    expect(pullsOpened()).toHaveLength(1);
    expect(inOrigin('show', `refs/heads/${opened!.branch}:fix.txt`)).toBe('second version');
    expect(inOrigin('log', '--format=%s', `refs/heads/${opened!.branch}`).split('\n')).toHaveLength(3);
  });

  it('a change asked for in someone else\'s pull request is not pushed to its branch, and the thread says why', async () => {
    const before = inOrigin('rev-parse', 'refs/heads/feature');
    const task = await comment(7, true, '@agent fix [[script:write other.txt not pushed]]');
    expect(task.pull_request).toBeNull();
    expect(task.post_back_error).toContain(`${REPO}#7 is not a pull request this service opened`);
    expect(inOrigin('rev-parse', 'refs/heads/feature')).toBe(before);
    expect(pullsOpened()).toHaveLength(1);
    const final = github.calls.filter((c) => String(c.body?.body).startsWith('✅') && String(c.body?.body).includes(task.task_id));
    expect(final.some((c) => String(c.body.body).includes('is not a pull request this service opened'))).toBe(true);
  });

  it('a review posts a pull request review with a comment on a line of the diff', async () => {
    await comment(7, true, '@agent review [[script:review feature.txt 2 This line needs a test]]');
    const [review] = calls('POST', /\/pulls\/7\/reviews$/);
    expect(review!.body).toMatchObject({ event: 'COMMENT', body: 'Review: This line needs a test' });
    expect(review!.body.comments).toEqual([{ path: 'feature.txt', line: 2, side: 'RIGHT', body: 'This line needs a test' }]);
    expect(pullsOpened()).toHaveLength(1); // the review file is the service's, not a change
  });

  it('a finding on a line outside the diff, or a review file that is not valid, falls back to one comment', async () => {
    const before = calls('POST', /\/pulls\/7\/reviews$/).length;
    await comment(7, true, '@agent review [[script:review README.md 1 Not in the diff]]');
    await comment(7, true, '@agent review [[script:write .agent/review.json {"summary": 5}]]');
    const [outside, invalid] = calls('POST', /\/pulls\/7\/reviews$/).slice(before);
    expect(outside!.body.comments).toEqual([]);
    expect(outside!.body.body).toContain('`README.md:1`: Not in the diff');
    expect(invalid!.body.comments).toEqual([]);
    expect(invalid!.body.body).toContain("The run's line comments could not be used: .agent/review.json: summary");
  });

  it('pull_request and check_suite deliveries update the task, and analytics shows the merge rate per agent and command', async () => {
    const pr = { number: opened!.number, merged: false, head: { sha: inOrigin('rev-parse', `refs/heads/${opened!.branch}`) } };
    const repository = { name: 'Hello-World', full_name: REPO, owner: { login: 'Codertocat' } };
    const sender = { id: 1, login: 'Codertocat' };
    expect((await deliver('check_suite', { action: 'completed', repository, sender, check_suite: { head_sha: pr.head.sha, conclusion: 'success', pull_requests: [] } })).status).toBe(200);
    expect((await deliver('pull_request', { action: 'closed', repository, sender, pull_request: { ...pr, merged: true, title: 't', body: null } })).status).toBe(200);
    const tasks = (await h.request('GET', '/api/tasks?limit=50')).body.tasks as TaskView[];
    const linked = tasks.filter((t) => t.pull_request?.number === opened!.number);
    expect(linked).toHaveLength(2); // the one that opened it and the follow-up
    for (const t of linked) expect(t.pull_request).toMatchObject({ state: 'merged', checks: 'success' });

    const rates = await h.request('GET', '/api/analytics/pull-requests');
    expect(rates.status).toBe(200);
    expect(rates.body.rows).toEqual([{ agent: 'executor', command: 'fix', opened: 1, merged: 1, closed: 0, open: 0, merge_rate: 1 }]);
  });

  it('a delivery about a pull request the service did not open changes nothing', async () => {
    const repository = { name: 'Hello-World', full_name: REPO, owner: { login: 'Codertocat' } };
    const res = await deliver('pull_request', { action: 'closed', repository, sender: { id: 1, login: 'x' }, pull_request: { number: 7, merged: true, title: 't' } });
    expect(res.status).toBe(200);
    const rates = await h.request('GET', '/api/analytics/pull-requests');
    expect(rates.body.rows).toHaveLength(1);
  });
});

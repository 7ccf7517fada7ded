import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskView } from '../src/contracts/task.js';
import { type GithubWorld, REPO, startGithubWorld } from './support/github-origin.js';
import { type ScriptedModel, startScriptedModel } from './support/scripted-model.js';

const TOKEN = 'ghp_pull_request_token_123456';

describe('changes land as pull requests, reviews on the lines, and the task follows its pull request', () => {
  let model: ScriptedModel;
  let world: GithubWorld;
  let h: GithubWorld['h'];
  let github: GithubWorld['github'];

  beforeAll(async () => {
    model = await startScriptedModel();
    world = await startGithubWorld(model, { token: TOKEN });
    ({ h, github } = world);
  });
  afterAll(async () => {
    await world?.close();
    await model?.close();
  });

  const comment = (number: number, pullRequest: boolean, text: string) => world.comment(number, pullRequest, text);
  const deliver = (event: string, payload: unknown) => world.deliver(event, payload);
  const calls = (method: string, pattern: RegExp) => github.calls.filter((c) => c.method === method && pattern.test(c.path));
  const pullsOpened = () => calls('POST', /^\/repos\/Codertocat\/Hello-World\/pulls$/);
  const inOrigin = (...args: string[]) => world.inOrigin(...args);
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
    expect(world.gitServer.tokens()).toEqual([TOKEN]);
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

describe('with GitHub App auth, the push uses an installation token minted for it', () => {
  let model: ScriptedModel;
  let world: GithubWorld;

  beforeAll(async () => {
    model = await startScriptedModel();
    world = await startGithubWorld(model, 'app');
  });
  afterAll(async () => {
    await world?.close();
    await model?.close();
  });

  it('asks for contents: write on that one repository for the push, and opens the pull request as the installation', async () => {
    const task = await world.comment(1, false, '@agent fix [[script:write fix.txt from the app]]');
    expect(task.pull_request).toMatchObject({ number: 100, state: 'open' });
    expect(world.inOrigin('show', `refs/heads/${task.pull_request!.branch}:fix.txt`)).toBe('from the app');
    const mints = world.github.calls.filter((c) => /\/app\/installations\/7\/access_tokens$/.test(c.path)).map((c) => c.body);
    expect(mints).toContainEqual({ repositories: ['Hello-World'], permissions: { contents: 'write' } });
    expect(mints).toContainEqual({ repositories: ['Hello-World'], permissions: { contents: 'read' } });
    expect(world.gitServer.tokens().every((t) => /^ghs_fake_7_\d+$/.test(t))).toBe(true);
  });
});

// A fix asked for in someone else's pull request: the service never pushes to the author's branch; it pushes a branch
// of its own on the pull request's head and opens a draft pull request into that pull request's branch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskView } from '../src/contracts/task.js';
import { type GithubWorld, REPO, startGithubWorld } from './support/github-origin.js';
import { type ScriptedModel, startScriptedModel } from './support/scripted-model.js';

describe('a stacked pull request on someone else\'s pull request', () => {
  let model: ScriptedModel;
  let world: GithubWorld;

  beforeAll(async () => {
    model = await startScriptedModel();
    world = await startGithubWorld(model, { token: 'ghp_stacked_token_123456' });
  });
  afterAll(async () => {
    await world?.close();
    await model?.close();
  });

  const inOrigin = (...args: string[]) => world.inOrigin(...args);
  const pullsOpened = () => world.github.calls.filter((c) => c.method === 'POST' && /^\/repos\/Codertocat\/Hello-World\/pulls$/.test(c.path));
  let stacked: TaskView['pull_request'];

  it('pushes agent/<flow>-1 on the head of #7, leaves its branch alone, and opens a draft into that branch that says it is stacked', async () => {
    const feature = inOrigin('rev-parse', 'refs/heads/feature');
    const task = await world.comment(7, true, '@agent fix [[script:write other.txt stacked change]]');
    stacked = task.pull_request;
    expect(task.post_back_error).toBeNull();
    expect(stacked).toMatchObject({ provider: 'github', repository: REPO, number: 100, branch: `agent/${task.flow_id}-1`, state: 'open' });
    expect(inOrigin('rev-parse', 'refs/heads/feature')).toBe(feature);
    expect(inOrigin('rev-parse', `refs/heads/${stacked!.branch}~1`)).toBe(feature);
    expect(inOrigin('show', `refs/heads/${stacked!.branch}:other.txt`)).toBe('stacked change');
    expect(inOrigin('show', `refs/heads/${stacked!.branch}:feature.txt`)).toBe('one\ntwo\nthree');
    const [pr, ...more] = pullsOpened();
    expect(more).toEqual([]);
    expect(pr!.body).toMatchObject({ head: stacked!.branch, base: 'feature', draft: true, title: 'Wrote other.txt.' });
    expect(pr!.body.body).toMatch(/^Stacked on #7 /);
    const final = world.github.calls.filter((c) => String(c.body?.body).startsWith('✅') && String(c.body?.body).includes(task.task_id));
    expect(final.some((c) => String(c.body.body).includes(`pull request #100`) && String(c.body.body).includes(stacked!.url))).toBe(true);
  });

  it('a follow-up in the stacked pull request pushes to its branch and opens nothing new', async () => {
    const task = await world.comment(stacked!.number, true, '@agent fix [[script:write other.txt second version]]');
    expect(task.pull_request).toMatchObject({ number: stacked!.number, branch: stacked!.branch });
    expect(pullsOpened()).toHaveLength(1);
    expect(inOrigin('show', `refs/heads/${stacked!.branch}:other.txt`)).toBe('second version');
  });

  it("a fork's pull request (its branch is not in the repository) gets no push, and the thread says why", async () => {
    // #8's head is a commit no branch here points at: the author's branch lives in their fork.
    const head = inOrigin('commit-tree', 'refs/heads/feature^{tree}', '-p', 'refs/heads/feature', '-m', 'From a fork');
    inOrigin('update-ref', 'refs/pull/8/head', head);
    const branches = inOrigin('for-each-ref', '--format=%(refname)', 'refs/heads/');
    const task = await world.comment(8, true, '@agent fix [[script:write fork.txt not pushed]]');
    expect(task.pull_request).toBeNull();
    expect(task.post_back_error).toContain(`${REPO}#8 comes from a fork`);
    expect(inOrigin('for-each-ref', '--format=%(refname)', 'refs/heads/')).toBe(branches);
    expect(pullsOpened()).toHaveLength(1);
  });
});

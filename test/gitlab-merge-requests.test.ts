// Changes land as GitLab merge requests: real service, real Claude Code against the scripted model, the real
// @gitbeaker/rest client against the local fake GitLab, and a git smart-HTTP remote the service pushes to with its own
// token (GitLab's `oauth2:<token>` Basic credential).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskView } from '../src/contracts/task.js';
import { projectRoot } from '../src/paths.js';
import { eventually } from './support/eventually.js';
import { startFakeGitlab, type FakeGitlab } from './support/fake-gitlab.js';
import { startGitHttpServer, type GitHttpServer } from './support/git-http-server.js';
import { gitIn, makeOrigin } from './support/github-origin.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

const SECRET = 'gitlab-mr-hook-token';
const TOKEN = 'glpat-merge-request-token-123456';
const PROJECT = { id: 5, path_with_namespace: 'gitlab-org/gitlab-test', default_branch: 'main' };
const OWNER = { id: 1, username: 'root' };

describe('GitLab: a fix ends with a pushed branch and a draft merge request; a follow-up on it pushes to the same branch', () => {
  let model: ScriptedModel;
  let gitlab: FakeGitlab;
  let gitServer: GitHttpServer;
  let h: Harness;
  let inOrigin: (...args: string[]) => string;
  let notes = 0;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-gitlab-mr-'));

  beforeAll(async () => {
    inOrigin = gitIn(makeOrigin(root, PROJECT.path_with_namespace));
    inOrigin('update-ref', 'refs/merge-requests/1/head', 'refs/heads/feature'); // someone's merge request !1
    gitServer = await startGitHttpServer(path.join(root, 'origin'), { user: 'oauth2' });
    gitServer.accept((token) => token === TOKEN);
    model = await startScriptedModel();
    gitlab = await startFakeGitlab({
      members: { [OWNER.id]: 50 },
      projects: [PROJECT],
      mergeRequests: { '5!1': { source_branch: 'feature', source_project_id: PROJECT.id } },
      gitRoot: path.join(root, 'origin'),
    });
    const gitlabSettings = { GITLAB_WEBHOOK_SECRET: SECRET, GITLAB_TOKEN: TOKEN, GITLAB_URL: gitlab.url, GITLAB_CLONE_URL: gitServer.url };
    h = await startHarness({ model, env: { ...gitlabSettings, PUBLIC_URL: 'https://agent.example' } });
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([model, gitlab, gitServer].map((s) => s?.close()));
    fs.rmSync(root, { recursive: true, force: true });
  });

  const hook = (event: string, payload: unknown) =>
    fetch(`${h.url}/webhooks/gitlab`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-event-uuid': `mr-${++notes}`, 'x-gitlab-token': SECRET },
      body: JSON.stringify(payload),
    });
  /** "@agent <text>" as a note on issue or merge request `iid`; resolves with the task once its result is posted. */
  const note = async (kind: 'issue' | 'merge_request', iid: number, text: string): Promise<TaskView> => {
    const payload = JSON.parse(fs.readFileSync(path.join(projectRoot, `test/fixtures/gitlab/note_${kind}.json`), 'utf8'));
    payload.object_attributes.note = text;
    payload.object_attributes.id = 95_000 + ++notes;
    payload.user = { ...payload.user, ...OWNER };
    payload[kind].iid = iid;
    const res = await hook('Note Hook', payload);
    expect(res.status).toBe(202);
    const { task_id } = (await res.json()) as { task_id: string };
    expect((await h.waitForTask(task_id)).status).toBe('completed');
    await eventually(() => gitlab.notes.some((n) => n.body.startsWith('✅') && n.body.includes(task_id)), 'the result is posted');
    return (await h.request<TaskView>('GET', `/api/tasks/${task_id}`)).body;
  };
  let opened: TaskView['pull_request'];

  it('a fix on an issue pushes agent/<flow>-1 with the service token and opens a draft merge request linked from the thread', async () => {
    const task = await note('issue', 17, '@agent fix [[script:write fix.txt fixed on gitlab]]');
    opened = task.pull_request;
    expect(opened).toMatchObject({ provider: 'gitlab', repository: PROJECT.path_with_namespace, number: 100, state: 'open' });
    expect(opened!.branch).toBe(`agent/${task.flow_id}-1`);
    const [mr, ...more] = gitlab.openedMergeRequests;
    expect(more).toEqual([]);
    expect(mr).toMatchObject({ source_branch: opened!.branch, target_branch: 'main', title: 'Draft: Wrote fix.txt.', draft: true, web_url: opened!.url });
    expect(mr!.description).toContain(`https://agent.example/tasks/${task.task_id}`);
    // The branch holds the run's file on top of main, and nothing of the service's own.
    expect(inOrigin('show', `refs/heads/${opened!.branch}:fix.txt`)).toBe('fixed on gitlab');
    expect(inOrigin('rev-parse', `refs/heads/${opened!.branch}~1`)).toBe(inOrigin('rev-parse', 'refs/heads/main'));
    expect(inOrigin('ls-tree', '-r', '--name-only', `refs/heads/${opened!.branch}`).split('\n').sort()).toEqual(['README.md', 'fix.txt']);
    // The final note names the merge request.
    const final = gitlab.notes.find((n) => n.noteable === 'issues' && n.iid === 17 && n.body.includes(task.task_id));
    expect(final!.body).toContain(`merge request !100`);
    expect(final!.body).toContain(opened!.url);
    // The clone and the push used the service's token; the run's workspace never held it.
    expect(gitServer.tokens()).toEqual([TOKEN]);
    expect(fs.readFileSync(path.join(h.dataDir, 'workspaces', task.task_id, '.git', 'config'), 'utf8')).not.toContain(TOKEN);
  });

  it('a follow-up note on that merge request pushes a second commit to the same branch and opens no second merge request', async () => {
    const task = await note('merge_request', opened!.number, '@agent fix [[script:write fix.txt second version]]');
    expect(task.pull_request).toMatchObject({ provider: 'gitlab', number: opened!.number, branch: opened!.branch });
    expect(gitlab.openedMergeRequests).toHaveLength(1);
    expect(inOrigin('show', `refs/heads/${opened!.branch}:fix.txt`)).toBe('second version');
    expect(inOrigin('log', '--format=%s', `refs/heads/${opened!.branch}`).split('\n')).toHaveLength(3);
    const final = gitlab.notes.find((n) => n.noteable === 'merge_requests' && n.iid === opened!.number && n.body.includes(task.task_id));
    expect(final!.body).toContain(opened!.url);
  });

  it("Pipeline and Merge Request Hooks about that merge request update its tasks: checks, then merged", async () => {
    const project = { id: PROJECT.id, path_with_namespace: PROJECT.path_with_namespace };
    const sha = inOrigin('rev-parse', `refs/heads/${opened!.branch}`);
    const pipeline = { object_kind: 'pipeline', project, object_attributes: { status: 'success', sha }, merge_request: { iid: opened!.number } };
    expect((await hook('Pipeline Hook', pipeline)).status).toBe(200);
    const merged = { object_kind: 'merge_request', project, user: OWNER, object_attributes: { iid: opened!.number, action: 'merge', state: 'merged' } };
    expect((await hook('Merge Request Hook', merged)).status).toBe(200);
    const tasks = (await h.request('GET', '/api/tasks?limit=50')).body.tasks as TaskView[];
    const linked = tasks.filter((t) => t.pull_request?.provider === 'gitlab' && t.pull_request.number === opened!.number);
    expect(linked).toHaveLength(2); // the one that opened it and the follow-up
    for (const t of linked) expect(t.pull_request).toMatchObject({ state: 'merged', checks: 'success' });
    // Someone else's merge request: nothing the service keeps.
    const other = { ...merged, object_attributes: { ...merged.object_attributes, iid: 1 } };
    expect((await hook('Merge Request Hook', other)).status).toBe(200);
    expect((await h.request('GET', '/api/analytics/pull-requests')).body.rows).toEqual([{ agent: 'executor', command: 'fix', opened: 1, merged: 1, closed: 0, open: 0, merge_rate: 1 }]);
  });

  it("a fix on someone else's merge request is stacked on it: a branch on its head, a draft merge request into its branch", async () => {
    const feature = inOrigin('rev-parse', 'refs/heads/feature');
    const task = await note('merge_request', 1, '@agent fix [[script:write stacked.txt on top of !1]]');
    expect(task.pull_request).toMatchObject({ provider: 'gitlab', number: 101, branch: `agent/${task.flow_id}-1` });
    expect(inOrigin('rev-parse', 'refs/heads/feature')).toBe(feature);
    expect(inOrigin('rev-parse', `refs/heads/${task.pull_request!.branch}~1`)).toBe(feature);
    expect(gitlab.openedMergeRequests.at(-1)).toMatchObject({ source_branch: task.pull_request!.branch, target_branch: 'feature', draft: true });
    expect(gitlab.openedMergeRequests.at(-1)!.description).toMatch(/^Stacked on !1 /);
  });
});

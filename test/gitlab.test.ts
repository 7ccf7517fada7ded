// GitLab end to end: real service, real Claude Code against the scripted model, the real @gitbeaker/rest client
// against the local fake GitLab API, and a real git checkout of a local bare repository standing in for the project.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { projectRoot } from '../src/paths.js';
import { gitlab as adapter } from '../src/webhooks/providers/gitlab/adapter.js';
import { cloneSource } from '../src/worker/checkout.js';
import { startFakeGitlab, type FakeGitlab } from './support/fake-gitlab.js';
import { makeBareRepository } from './support/github-origin.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { eventually } from './support/eventually.js';

process.env.CLAUDE_CODE_MAX_RETRIES = '1';

const SECRET = 'gitlab-hook-token';
const TOKEN = 'glpat-e2e-token-123456';
const [OWNER, DEVELOPER, GUEST] = [1, 2, 3];
const PROJECT = { id: 5, path_with_namespace: 'gitlab-org/gitlab-test', default_branch: 'main' };
let notes = 0;

/** The documented Note Hook with our own text, commenter, note id and issue/MR number. */
function noteHook(kind: 'merge_request' | 'issue', text: string, user: { id: number; username: string }, iid = 1) {
  const payload = JSON.parse(fs.readFileSync(path.join(projectRoot, `test/fixtures/gitlab/note_${kind}.json`), 'utf8'));
  payload.object_attributes.note = text;
  payload.object_attributes.id = 90_000 + ++notes;
  payload.user = { ...payload.user, ...user };
  payload[kind].iid = iid;
  return payload;
}

/** A bare repository standing in for gitlab-org/gitlab-test, with merge request !1's head under refs/merge-requests. */
function makeOrigin(root: string): void {
  const { inBare } = makeBareRepository(root, PROJECT.path_with_namespace, { readme: 'GitLab Test\n', feature: 'new\n', featureMessage: 'The merge request change' });
  inBare('update-ref', 'refs/merge-requests/1/head', 'refs/heads/feature');
  inBare('update-ref', '-d', 'refs/heads/feature');
}

describe('GitLab: a note on a merge request runs a command and is answered in a note edited in place', () => {
  let model: ScriptedModel;
  let gitlab: FakeGitlab;
  let h: Harness;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-gitlab-'));

  beforeAll(async () => {
    makeOrigin(root);
    model = await startScriptedModel();
    gitlab = await startFakeGitlab({
      members: { [OWNER]: 50, [DEVELOPER]: 30, [GUEST]: 10 },
      projects: [PROJECT],
      mergeRequests: { '5!1': { source_branch: 'feature', source_project_id: 5 } },
    });
    h = await startHarness({
      model,
      env: {
        GITLAB_WEBHOOK_SECRET: SECRET,
        GITLAB_TOKEN: TOKEN,
        GITLAB_URL: gitlab.url,
        GITLAB_CLONE_URL: `file://${path.join(root, 'origin')}`,
        GITLAB_BOT_USERNAME: 'claude-agent',
        PROGRESS_UPDATE_SECONDS: '0.2',
        PUBLIC_URL: 'https://agent.example.com',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([model, gitlab].map((s) => s?.close()));
    fs.rmSync(root, { recursive: true, force: true });
  });

  const send = async (payload: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${h.url}/webhooks/gitlab`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Note Hook', 'x-gitlab-event-uuid': `uuid-${Date.now()}-${++notes}`, 'x-gitlab-token': SECRET, ...headers },
      body: JSON.stringify(payload),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const taskCount = async () => (await h.request('GET', '/api/tasks?limit=200')).body.tasks.length;
  const notesOn = (noteable: string, iid: number) => gitlab.notes.filter((n) => n.noteable === noteable && n.iid === iid);

  it('@agent review on an MR: 👀 on the note, one progress note edited as the run goes, the result in it', async () => {
    const hook = noteHook('merge_request', '@agent review [[script:steps 3 400]] the latest changes', { id: OWNER, username: 'root' });
    const res = await send(hook);
    expect(res.status).toBe(202);
    const task = await h.waitForTask(res.body.task_id);
    expect(task).toMatchObject({ status: 'completed', source: 'gitlab', requester: 'gitlab:root', rule: 'builtin:gitlab:review', permission_mode: 'default' });

    expect(gitlab.awards).toContain(`5/merge_requests/1/${hook.object_attributes.id}:eyes`);
    const posted = notesOn('merge_requests', 1).filter((n) => n.body.includes(task.task_id));
    expect(posted).toHaveLength(1);
    await eventually(() => posted[0]!.body.includes('finished'));
    const bodies = posted[0]!.history;
    expect(bodies.length).toBeGreaterThanOrEqual(3); // the first post, a progress edit, the final edit
    expect(bodies.some((b) => b.includes('echo step'))).toBe(true);
    expect(posted[0]!.body).toContain('Done after 3 steps.');
    expect(posted[0]!.body).toContain(`https://agent.example.com/tasks/${task.task_id}`);
  });

  it('a stored delivery keeps its event headers but never the X-Gitlab-Token secret', async () => {
    const page = await h.request('GET', '/api/webhooks/static/gitlab/events');
    expect(page.status).toBe(200);
    const stored = page.body.events.find((e: any) => e.event_type === 'merge_request_note.create');
    expect(stored.headers['x-gitlab-event']).toBe('Note Hook');
    expect(stored.headers['x-gitlab-token']).toBeUndefined();
    expect(JSON.stringify(page.body)).not.toContain(SECRET);
  });

  it('a Guest is refused politely and nothing runs', async () => {
    // Not cached the first time: answered at once, the task refused once GitLab has answered; then from the cache.
    const first = await send(noteHook('merge_request', '@agent review please', { id: GUEST, username: 'guest' }, 2));
    expect(first.status).toBe(202);
    expect(await h.waitForTask(first.body.task_id)).toMatchObject({ status: 'cancelled', started_at: null });
    const before = await taskCount();
    const res = await send(noteHook('merge_request', '@agent review again', { id: GUEST, username: 'guest' }, 2));
    expect(res.status).toBe(200);
    expect(res.body.refused).toContain('guest is Guest on gitlab-org/gitlab-test');
    expect(await taskCount()).toBe(before);
    await eventually(() => notesOn('merge_requests', 2).length === 2);
    for (const note of notesOn('merge_requests', 2)) expect(note.body).toContain("can't run `review`");
  });

  it('a bad or missing X-Gitlab-Token is 401 and changes nothing', async () => {
    const before = { tasks: await taskCount(), calls: gitlab.calls.length };
    const hook = noteHook('merge_request', '@agent review', { id: OWNER, username: 'root' }, 3);
    const bad = await send(hook, { 'x-gitlab-token': 'wrong' });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toContain('GITLAB_WEBHOOK_SECRET');
    const missing = await fetch(`${h.url}/webhooks/gitlab`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Note Hook' }, body: JSON.stringify(hook) });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as any).error).toContain('X-Gitlab-Token');
    expect(await taskCount()).toBe(before.tasks);
    expect(gitlab.calls.length).toBe(before.calls);
  });

  it("the service's own notes do not trigger it: neither by note id (loop guard) nor by its username", async () => {
    const before = await taskCount();
    const own = notesOn('merge_requests', 1)[0]!;
    // GitLab sends a Note Hook for the service's own note; it quotes the command it ran.
    const echo = noteHook('merge_request', own.body.includes('@agent') ? own.body : `@agent review ${own.body}`, { id: DEVELOPER, username: 'someone' }, 1);
    echo.object_attributes.id = own.id;
    const byId = await send(echo);
    expect(byId).toMatchObject({ status: 200, body: { ignored: expect.stringContaining('this service posted') } });
    const byName = await send(noteHook('merge_request', '@agent review', { id: 999, username: 'claude-agent' }, 1));
    expect(byName).toMatchObject({ status: 200, body: { ignored: expect.stringContaining('bot') } });
    expect(await taskCount()).toBe(before);
  });

  it('a fix from a Developer waits for approval; an Owner approves it', async () => {
    const res = await send(noteHook('issue', '@agent fix [[script:text Fixed on GitLab.]] the bug', { id: DEVELOPER, username: 'dev' }, 17));
    expect(res).toMatchObject({ status: 202, body: { status: 'waiting_approval' } });
    await eventually(() => notesOn('issues', 17).some((n) => n.body.includes('approve')));
    const approve = await send(noteHook('issue', '@agent approve', { id: OWNER, username: 'root' }, 17));
    expect(approve).toMatchObject({ status: 200, body: { approved: res.body.task_id } });
    const task = await h.waitForTask(res.body.task_id);
    expect(task).toMatchObject({ status: 'completed', permission_mode: 'acceptEdits', output: 'Fixed on GitLab.' });
  });

  it('the built-in route is listed with its commands and secret setting; a dry run says what a note would run', async () => {
    const route = await h.request('GET', '/api/webhooks/static/gitlab');
    expect(route.body).toMatchObject({ provider: 'gitlab', secret_setting: 'GITLAB_WEBHOOK_SECRET', configured: true });
    expect(route.body.commands.map((c: any) => c.name)).toEqual(expect.arrayContaining(['analyze', 'plan', 'fix', 'review', 'improve', 'approve', 'reject', 'help']));
    const payload = noteHook('merge_request', '@agent review the tests', { id: OWNER, username: 'root' });
    const dry = await h.request('POST', '/api/webhooks/static/gitlab/test', { payload, event_type: 'merge_request_note.create' });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ event_type: 'merge_request_note.create', would: [{ command: 'review', action: 'create_task' }] });
    expect(dry.body.would[0].rendered).toContain('Review GitLab merge request gitlab-org/gitlab-test!1');
    expect(dry.body.would[0].rendered).toContain('Branch master into markdown');
  });

  it("a user's GitLab webhook (/webhooks/gitlab/<id>) is verified with its own secret token", async () => {
    const created = await h.request('POST', '/api/webhooks', { name: 'MR triage', provider: 'gitlab' });
    expect(created.status).toBe(201);
    const { webhook_id: id, secret } = created.body;
    const add = await h.request('POST', `/api/webhooks/${id}/commands`, { name: 'triage', trigger: 'merge_request_note.create', template: 'Triage {{merge_request.title}} [[script:text Triaged on GitLab.]]' });
    expect(add.status).toBe(201);
    const deliver = (token: string, hook: unknown) =>
      fetch(`${h.url}/webhooks/gitlab/${id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Note Hook', 'x-gitlab-token': token }, body: JSON.stringify(hook) });
    const fromOwner = noteHook('merge_request', 'any comment', { id: OWNER, username: 'root' }, 4);
    expect((await deliver(SECRET, fromOwner)).status).toBe(401); // the built-in route's secret is not this webhook's
    // A user's rule asks for permission like a built-in one: a Guest may not trigger it.
    const fromGuest = await deliver(secret, noteHook('merge_request', 'any comment', { id: GUEST, username: 'guest' }, 5));
    expect(fromGuest.status).toBe(200);
    expect(((await fromGuest.json()) as any).task_id).toBeUndefined();
    const res = await deliver(secret, fromOwner);
    expect(res.status).toBe(202);
    expect((await h.waitForTask(((await res.json()) as any).task_id)).output).toBe('Triaged on GitLab.');
  });

  it("the adapter's checkout source, cloned by real git, is the MR head on its source branch, or the default branch for an issue", async () => {
    const config = loadConfig({ DATA_DIR: path.join(root, 'data'), GITLAB_URL: gitlab.url, GITLAB_TOKEN: TOKEN, GITLAB_CLONE_URL: `file://${path.join(root, 'origin')}` });
    const client = adapter.createClient(config, { others: { delaysMs: [] } });
    const target = { provider: 'gitlab' as const, projectId: 5, projectPath: 'gitlab-org/gitlab-test', iid: 1 };
    const mrDir = fs.mkdtempSync(path.join(root, 'mr-'));
    expect(await cloneSource(mrDir, (await adapter.checkout!(client, { ...target, noteable: 'merge_request' }, config))!, config.dataDir)).toMatch(/^gitlab-org\/gitlab-test !1 \(feature\) at [0-9a-f]{7}$/);
    expect(fs.readFileSync(path.join(mrDir, 'feature.txt'), 'utf8')).toBe('new\n');
    expect(execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: mrDir }).toString().trim()).toBe('feature');
    const issueDir = fs.mkdtempSync(path.join(root, 'issue-'));
    await cloneSource(issueDir, (await adapter.checkout!(client, { ...target, noteable: 'issue', iid: 17 }, config))!, config.dataDir);
    expect(fs.existsSync(path.join(issueDir, 'feature.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(issueDir, 'README.md'), 'utf8')).toBe('GitLab Test\n');
  });

  it('a merge request is reviewed in a checkout of its head, on its source branch; the token is nowhere in it', async () => {
    const res = await send(noteHook('merge_request', '@agent review [[script:bash git log --oneline -1]] please', { id: OWNER, username: 'root' }));
    const task = await h.waitForTask(res.body.task_id);
    expect(task.output).toContain('The merge request change');
    const workspace = path.join(h.dataDir, 'workspaces', task.task_id);
    expect(fs.readFileSync(path.join(workspace, 'feature.txt'), 'utf8')).toBe('new\n');
    expect(fs.readFileSync(path.join(workspace, '.git', 'config'), 'utf8')).not.toContain(TOKEN);
    expect(execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: workspace }).toString().trim()).toBe('feature');
  });

  it('an issue is worked on in a checkout of the default branch', async () => {
    const res = await send(noteHook('issue', '@agent analyze [[script:bash git log --oneline -1]] why', { id: OWNER, username: 'root' }, 18));
    const task = await h.waitForTask(res.body.task_id);
    expect(task.output).toContain('Initial commit on main');
    expect(fs.existsSync(path.join(h.dataDir, 'workspaces', task.task_id, 'feature.txt'))).toBe(false);
  });
});


import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitlab, type FakeGitlab } from '../../test/support/fake-gitlab.js';
import { createGitlabClient, type GitlabClient } from './gitlab.js';
import { IntegrationError, type RetryOptions } from './retry.js';

const TOKEN = 'glpat-test-token-never-printed';

let fake: FakeGitlab;
let slept: number[];
let retry: RetryOptions;
let gitlab: GitlabClient;

beforeEach(async () => {
  fake = await startFakeGitlab({
    members: { 1: 50, 2: 30, 3: 10 },
    projects: [{ id: 5, path_with_namespace: 'gitlab-org/gitlab-test', default_branch: 'master' }],
    mergeRequests: { '5!1': { source_branch: 'feature', source_project_id: 5, sha: 'abc123' } },
  });
  slept = [];
  retry = { delaysMs: [10, 20, 40], jitter: 0, sleep: async (ms) => void slept.push(ms) };
  gitlab = createGitlabClient({ baseUrl: fake.url, token: TOKEN, retry });
});
afterEach(async () => {
  await fake.close();
});

describe('GitLab client (@gitbeaker/rest) against the fake API', () => {
  it('creates a note on a merge request and edits it in place, with the token in PRIVATE-TOKEN', async () => {
    const created = await gitlab.createNote({ projectId: 5, noteable: 'merge_request', iid: 1, body: 'working…' });
    await gitlab.editNote({ projectId: 5, noteable: 'merge_request', iid: 1, noteId: created.id, body: 'done' });
    expect(fake.notes).toHaveLength(1);
    expect(fake.notes[0]).toMatchObject({ id: created.id, noteable: 'merge_requests', iid: 1, history: ['working…', 'done'] });
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /api/v4/projects/5/merge_requests/1/notes',
      `PUT /api/v4/projects/5/merge_requests/1/notes/${created.id}`,
    ]);
    expect(fake.calls[0]!.headers['private-token']).toBe('[redacted]');
    expect(fake.sawCredential(TOKEN)).toBe(true);
  });

  it('addresses a project by its path as well as its id, and issue notes under /issues', async () => {
    await gitlab.createNote({ projectId: 'gitlab-org/gitlab-test', noteable: 'issue', iid: 17, body: 'hello' });
    expect(fake.calls[0]!.path).toBe('/api/v4/projects/gitlab-org%2Fgitlab-test/issues/17/notes');
  });

  it('awards an emoji to a note once; a second award of the same emoji counts as done', async () => {
    await gitlab.awardNoteEmoji({ projectId: 5, noteable: 'merge_request', iid: 1, noteId: 1244, name: 'eyes' });
    await gitlab.awardNoteEmoji({ projectId: 5, noteable: 'merge_request', iid: 1, noteId: 1244, name: 'eyes' });
    expect(fake.awards).toEqual(['5/merge_requests/1/1244:eyes']);
    expect(fake.calls.map((c) => c.status)).toEqual([201, 404]);
  });

  it('reads access levels, inherited ones included; a non-member is 0', async () => {
    expect(await gitlab.accessLevel({ projectId: 5, userId: 1 })).toBe(50);
    expect(await gitlab.accessLevel({ projectId: 5, userId: 3 })).toBe(10);
    expect(await gitlab.accessLevel({ projectId: 5, userId: 4 })).toBe(0);
    expect(fake.calls[0]!.path).toBe('/api/v4/projects/5/members/all/1');
  });

  it('reads the project and a merge request', async () => {
    expect(await gitlab.project(5)).toEqual({ id: 5, pathWithNamespace: 'gitlab-org/gitlab-test', defaultBranch: 'master' });
    expect(await gitlab.mergeRequest({ projectId: 5, iid: 1 })).toEqual({ sourceBranch: 'feature', sourceProjectId: 5, sha: 'abc123' });
  });

  it('retries 502 and 503 with withRetry alone (one request per attempt), then succeeds', async () => {
    fake.failNext(1, 502);
    fake.failNext(1, 503);
    const created = await gitlab.createNote({ projectId: 5, noteable: 'issue', iid: 3, body: 'x' });
    expect(created.id).toBeGreaterThan(0);
    expect(fake.calls.map((c) => c.status)).toEqual([502, 503, 201]);
    expect(slept).toEqual([10, 20]);
  });

  it('honours Retry-After on a 429', async () => {
    fake.failNext(1, 429, { 'retry-after': '2' });
    await gitlab.createNote({ projectId: 5, noteable: 'issue', iid: 3, body: 'a' });
    expect(fake.calls.map((c) => c.status)).toEqual([429, 201]);
    expect(slept).toEqual([2000]);
  });

  it('does not retry a 404; the error names GitLab, the operation and the message, and never the token', async () => {
    const failure = await gitlab.editNote({ projectId: 5, noteable: 'issue', iid: 3, noteId: 1, body: 'b' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(IntegrationError);
    expect((failure as Error).message).toBe('GitLab PUT /projects/5/issues/3/notes/1 failed: 404 Not Found: 404 Note Not Found');
    expect(fake.calls).toHaveLength(1);
    expect(JSON.stringify(failure)).not.toContain(TOKEN);
    expect((failure as Error).stack ?? '').not.toContain(TOKEN);
  });

  it('a request without a token is refused as GitLab does', async () => {
    const anonymous = createGitlabClient({ baseUrl: fake.url, token: '', retry });
    const failure = await anonymous.createNote({ projectId: 5, noteable: 'issue', iid: 3, body: 'x' }).catch((e: unknown) => e);
    expect((failure as IntegrationError).status).toBe(401);
  });
});

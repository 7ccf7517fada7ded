import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitlab, type FakeGitlab } from '../../../../test/support/fake-gitlab.js';
import { loadConfig } from '../../../config.js';
import type { GitlabClient } from '../../../integrations/gitlab.js';
import type { ProviderEvent } from '../types.js';
import { gitlab } from './adapter.js';
import type { GitlabTarget } from './target.js';

const TOKEN = 'glpat-adapter-test';
const mr: GitlabTarget = { provider: 'gitlab', projectId: 5, projectPath: 'gitlab-org/gitlab-test', noteable: 'merge_request', iid: 1, noteId: 1244 };
const issue: GitlabTarget = { ...mr, noteable: 'issue', iid: 17, noteId: 1241 };

describe('GitLab adapter against the fake API', () => {
  let fake: FakeGitlab;
  let client: GitlabClient;
  let config: ReturnType<typeof loadConfig>;
  beforeAll(async () => {
    fake = await startFakeGitlab({
      projects: [{ id: 5, path_with_namespace: 'gitlab-org/gitlab-test', default_branch: 'main' }],
      mergeRequests: { '5!1': { source_branch: 'feature/x', source_project_id: 5 }, '5!2': { source_branch: '--upload-pack=evil', source_project_id: 9 }, '5!3': { source_branch: 'main', source_project_id: 9 } },
    });
    config = loadConfig({ GITLAB_URL: fake.url, GITLAB_TOKEN: TOKEN, GITLAB_WEBHOOK_SECRET: 's', GITLAB_BOT_USERNAME: 'Claude-Agent' });
    client = gitlab.createClient(config, { others: { delaysMs: [] } })!;
  });
  afterAll(async () => {
    await fake.close();
  });

  it('is enabled only with its webhook secret, and has a client only with its token', () => {
    expect(gitlab.enabled(config)).toBe(true);
    expect(gitlab.enabled(loadConfig({}))).toBe(false);
    expect(gitlab.createClient(loadConfig({}), {})).toBeUndefined();
  });

  it('awards 👀 on the triggering note; replies with a note it then edits in place', async () => {
    await gitlab.acknowledge(client, { target: mr } as ProviderEvent & { target: GitlabTarget });
    expect(fake.awards).toContain('5/merge_requests/1/1244:eyes');
    const id = await gitlab.reply(client, mr, 'working…');
    expect(id).toMatch(/^note:\d+$/);
    await gitlab.edit!(client, mr, id!, 'done');
    expect(fake.notes.at(-1)).toMatchObject({ noteable: 'merge_requests', iid: 1, history: ['working…', 'done'] });
    expect(gitlab.ownPostId({ target: { ...mr, noteId: Number(id!.slice(5)) } } as ProviderEvent & { target: GitlabTarget })).toBe(id);
  });

  it('replies to an internal note with an internal note', async () => {
    await gitlab.reply(client, { ...issue, internal: true }, 'confidential answer');
    expect(fake.notes.at(-1)).toMatchObject({ body: 'confidential answer', internal: true });
    await gitlab.reply(client, issue, 'public answer');
    expect(fake.notes.at(-1)).toMatchObject({ body: 'public answer', internal: false });
  });

  it('without a token, replies say which setting is missing', async () => {
    await expect(gitlab.reply(undefined, issue, 'x')).rejects.toThrow('GitLab is not configured for posting back: set GITLAB_TOKEN');
    await expect(gitlab.acknowledge(undefined, { target: issue } as ProviderEvent & { target: GitlabTarget })).resolves.toBeUndefined();
  });

  it('checks out the project for an issue, and a merge request head under its source branch name', async () => {
    const basic = `Basic ${Buffer.from(`oauth2:${TOKEN}`).toString('base64')}`;
    expect(await gitlab.checkout!(client, issue, config)).toEqual({ url: `${fake.url}/gitlab-org/gitlab-test.git`, label: 'gitlab-org/gitlab-test', secrets: [TOKEN], authorization: basic });
    expect(await gitlab.checkout!(client, mr, config)).toMatchObject({
      url: `${fake.url}/gitlab-org/gitlab-test.git`,
      ref: { fetch: 'refs/merge-requests/1/head', local: 'feature/x' },
      label: 'gitlab-org/gitlab-test !1 (feature/x)',
    });
    // A branch name that git would read as an option is not passed on.
    expect(await gitlab.checkout!(client, { ...mr, iid: 2 }, config)).toMatchObject({ ref: { fetch: 'refs/merge-requests/2/head', local: 'mr-2' } });
    // A fork's default branch as the source: the clone has a branch of that name checked out already.
    expect(await gitlab.checkout!(client, { ...mr, iid: 3 }, config)).toMatchObject({ ref: { fetch: 'refs/merge-requests/3/head', local: 'mr-3' } });
    // The token goes only to an http(s) remote.
    const cloneFrom = loadConfig({ GITLAB_URL: fake.url, GITLAB_TOKEN: TOKEN, GITLAB_CLONE_URL: 'file:///srv/git/' });
    expect(await gitlab.checkout!(undefined, issue, cloneFrom)).toEqual({ url: 'file:///srv/git/gitlab-org/gitlab-test.git', label: 'gitlab-org/gitlab-test', secrets: [] });
  });

  it('verifies X-Gitlab-Token; knows its own username whatever its case', () => {
    expect(gitlab.verify('s', '{}', { 'x-gitlab-token': 's' }, 0)).toEqual({ ok: true });
    expect(gitlab.verify('s', '{}', { 'x-gitlab-token': 't' }, 0)).toMatchObject({ ok: false });
    expect(gitlab.isSelf({ id: '9', name: 'claude-agent', isBot: false }, config)).toBe(true);
    expect(gitlab.isSelf({ id: '1', name: 'root', isBot: false }, config)).toBe(false);
  });
});

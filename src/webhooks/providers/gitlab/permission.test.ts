import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitlab, type FakeGitlab } from '../../../../test/support/fake-gitlab.js';
import { loadConfig } from '../../../config.js';
import { createGitlabClient } from '../../../integrations/gitlab.js';
import { PermissionLookupError } from '../adapter.js';
import type { ProviderEvent } from '../types.js';
import { gitlabPermissions } from './permission.js';
import type { GitlabTarget } from './target.js';

const config = loadConfig({});
const target: GitlabTarget = { provider: 'gitlab', projectId: 5, projectPath: 'gitlab-org/gitlab-test', noteable: 'merge_request', iid: 1, noteId: 1 };
const event = (id: number | null, name = `user${id}`) =>
  ({ provider: 'gitlab', eventType: 'merge_request_note.create', deliveryId: null, thread: 'gitlab-org/gitlab-test!1', threadTitle: 't', text: '', actor: id === null ? null : { id: String(id), name, isBot: false }, target, payload: {} }) as ProviderEvent & { target: GitlabTarget };

describe('GitLab permission: the access level on the project', () => {
  let fake: FakeGitlab;
  beforeAll(async () => {
    fake = await startFakeGitlab({ members: { 1: 50, 2: 40, 3: 30, 4: 20, 5: 10 } });
  });
  afterAll(async () => {
    await fake.close();
  });
  const check = () => {
    const permissions = gitlabPermissions(config, createGitlabClient({ baseUrl: fake.url, token: 't', retry: { delaysMs: [] } }), {});
    return (e: ReturnType<typeof event>) => permissions.check(e);
  };

  it('Maintainer and Owner are maintainers; Developer may trigger; Reporter, Guest and strangers may not', async () => {
    const permission = check();
    expect(await permission(event(1))).toEqual({ allowed: true, maintainer: true, why: 'user1 is Owner on gitlab-org/gitlab-test' });
    expect(await permission(event(2))).toMatchObject({ allowed: true, maintainer: true });
    expect(await permission(event(3))).toEqual({ allowed: true, maintainer: false, why: 'user3 is Developer on gitlab-org/gitlab-test' });
    expect(await permission(event(4))).toEqual({ allowed: false, why: 'user4 is Reporter on gitlab-org/gitlab-test; commands need Developer access or above' });
    expect(await permission(event(5))).toMatchObject({ allowed: false, why: expect.stringContaining('Guest') });
    expect(await permission(event(6))).toMatchObject({ allowed: false, why: expect.stringContaining('no access') });
    expect(await permission(event(null))).toEqual({ allowed: false, why: 'the delivery names no GitLab user' });
  });

  it('remembers a level for a while: one lookup per user and project', async () => {
    const permission = check();
    const before = fake.calls.length;
    await permission(event(3));
    fake.setAccessLevel(3, 10);
    expect(await permission(event(3))).toMatchObject({ allowed: true });
    expect(fake.calls.length).toBe(before + 1);
  });

  it('without GITLAB_TOKEN, or when GitLab fails, the lookup error says so (the delivery gets 503)', async () => {
    await expect(gitlabPermissions(config, undefined, {}).check(event(1))).rejects.toThrow(new PermissionLookupError('GitLab permission cannot be checked: set GITLAB_TOKEN'));
    fake.failNext(1, 500);
    await expect(check()(event(2))).rejects.toThrow(/GitLab GET \/projects\/5\/members\/all\/2 failed: 500/);
  });

  it('a lookup GitLab does not answer in time is given up', async () => {
    fake.slowMembers(2_000);
    const client = createGitlabClient({ baseUrl: fake.url, token: 't', retry: { delaysMs: [] } });
    await expect(gitlabPermissions(config, client, { lookupTimeoutMs: 100 }).check(event(1))).rejects.toThrow('GitLab did not answer the permission lookup in time');
    fake.slowMembers(0);
  });
});

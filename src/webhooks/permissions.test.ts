import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGithub, type FakeGithub } from '../../test/support/fake-providers.js';
import { loadConfig } from '../config.js';
import { createGithubClient } from '../integrations/github.js';
import { PermissionChecker, type PermissionCacheOptions, PermissionLookupError } from './permissions.js';
import type { ProviderEvent } from './providers/types.js';

let fake: FakeGithub;
beforeEach(async () => {
  fake = await startFakeGithub({ permissions: { alice: 'write', bob: 'admin', carol: 'read' } });
});
afterEach(async () => {
  await fake.close();
});

function checker(options: PermissionCacheOptions = {}) {
  const github = createGithubClient({ token: 'ghp_test' }, { baseUrl: fake.url, retry: { backoffBaseMs: 1 } });
  return new PermissionChecker(loadConfig({}), { github }, options);
}

const commentBy = (login: string): ProviderEvent => ({
  provider: 'github',
  eventType: 'issue_comment.created',
  deliveryId: null,
  thread: 'Codertocat/Hello-World#1',
  threadTitle: 't',
  text: '@agent analyze',
  actor: { id: login, name: login, isBot: false },
  target: { provider: 'github', owner: 'Codertocat', repo: 'Hello-World', issueNumber: 1, isPullRequest: false },
  payload: {},
});

const lookups = () => fake.calls.filter((c) => c.path.endsWith('/permission')).map((c) => c.path.split('/').at(-2));

describe('GitHub permission lookups', () => {
  it('are cached per repository and user, for the TTL only', async () => {
    const permissions = checker({ ttlMs: 200 });
    expect(await permissions.check(commentBy('alice'))).toMatchObject({ allowed: true, maintainer: false });
    expect(await permissions.check(commentBy('alice'))).toMatchObject({ allowed: true });
    expect(await permissions.check(commentBy('bob'))).toMatchObject({ allowed: true, maintainer: true });
    expect(lookups()).toEqual(['alice', 'bob']);
    await sleep(300);
    fake.setPermission('alice', 'read'); // a revoked permission is seen once the entry expires
    expect(await permissions.check(commentBy('alice'))).toMatchObject({ allowed: false });
    expect(lookups()).toEqual(['alice', 'bob', 'alice']);
  });

  it('keep at most maxEntries, forgetting the least recently used', async () => {
    const permissions = checker({ maxEntries: 2 });
    for (const login of ['alice', 'bob', 'alice', 'carol', 'alice', 'bob']) await permissions.check(commentBy(login));
    // alice stays (used again before carol came); bob was the least recently used when carol arrived.
    expect(lookups()).toEqual(['alice', 'bob', 'carol', 'bob']);
  });

  it('are aborted when GitHub does not answer in time: the fake sees the request hang up, nothing is retried', async () => {
    fake.slowPermissions(60_000);
    const permissions = checker({ lookupTimeoutMs: 1500 });
    const error = await permissions.check(commentBy('alice')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionLookupError);
    expect((error as Error).message).toBe('GitHub did not answer the permission lookup in time');
    await expect.poll(() => fake.abandoned.map((c) => c.path)).toEqual(['/repos/Codertocat/Hello-World/collaborators/alice/permission']);
    expect(lookups()).toEqual(['alice']);
  });
});

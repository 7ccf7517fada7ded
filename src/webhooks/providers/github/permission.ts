import { LRUCache } from 'lru-cache';
import type { Config } from '../../../config.js';
import type { GithubClient, RepoPermission } from '../../../integrations/github.js';
import { type PermissionCheck, PermissionLookupError, type PermissionOptions } from '../adapter.js';
import type { GithubTarget } from '../types.js';

/**
 * GitHub: write access to the repository (the collaborator-permission API, in a bounded LRU cache for five minutes;
 * a lookup is aborted after three seconds so the reply stays well inside GitHub's ten), or GITHUB_ALLOWED_USERS.
 * admin and maintain are maintainers: they need no approval for commands that edit.
 */
export function githubPermissions(config: Config, client: GithubClient | undefined, options: PermissionOptions): PermissionCheck<GithubTarget> {
  const cache = new LRUCache<string, RepoPermission>({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? 5 * 60_000 });
  const timeoutMs = options.lookupTimeoutMs ?? 3_000;

  async function lookup(target: GithubTarget, login: string): Promise<RepoPermission> {
    const { owner, repo, installationId } = target;
    const key = `${owner}/${repo}/${login}`;
    const hit = cache.get(key);
    if (hit) return hit;
    if (!client) throw new PermissionLookupError('GitHub permission cannot be checked: set GITHUB_TOKEN or GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY');
    const signal = AbortSignal.timeout(timeoutMs);
    // The signal aborts the HTTP request. A request still waiting for a slot in Octokit's throttling queue has no
    // request to abort yet, so the wait itself ends with the signal too.
    const abandoned = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    let permission: RepoPermission;
    try {
      permission = await Promise.race([client.getPermission({ owner, repo, username: login, installationId, signal }), abandoned]);
    } catch (err) {
      if (signal.aborted) throw new PermissionLookupError('GitHub did not answer the permission lookup in time', { cause: err });
      throw err;
    }
    cache.set(key, permission);
    return permission;
  }

  return {
    async check(event) {
      const actor = event.actor;
      if (!actor) return { allowed: false, why: 'the delivery names no user' };
      const { owner, repo } = event.target;
      if (config.GITHUB_ALLOWED_USERS.includes(actor.name)) return { allowed: true, maintainer: false, why: `${actor.name} is in GITHUB_ALLOWED_USERS` };
      const permission = await lookup(event.target, actor.name);
      if (permission === 'admin' || permission === 'maintain') return { allowed: true, maintainer: true, why: `${actor.name} has ${permission} permission on ${owner}/${repo}` };
      if (permission === 'write') return { allowed: true, maintainer: false, why: `${actor.name} has write permission on ${owner}/${repo}` };
      return { allowed: false, why: `${actor.name} has ${permission} permission on ${owner}/${repo}; commands need write access (or GITHUB_ALLOWED_USERS)` };
    },
  };
}

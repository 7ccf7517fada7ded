import type { Config } from '../../../config.js';
import type { GithubClient, RepoPermission } from '../../../integrations/github.js';
import { type CheckOptions, type PermissionCheck, PermissionLookupError, type PermissionOptions } from '../adapter.js';
import { PermissionCache } from '../permission-cache.js';
import type { GithubTarget } from '../types.js';

/**
 * GitHub: write access to the repository (the collaborator-permission API, in a bounded LRU cache for five minutes;
 * a lookup attempt is aborted after three seconds), or GITHUB_ALLOWED_USERS.
 * admin and maintain are maintainers: they need no approval for commands that edit.
 */
export function githubPermissions(config: Config, client: GithubClient | undefined, options: PermissionOptions): PermissionCheck<GithubTarget> {
  const permissions = new PermissionCache<RepoPermission>('GitHub', options);

  async function lookup(target: GithubTarget, login: string, options?: CheckOptions): Promise<RepoPermission> {
    const { owner, repo, installationId } = target;
    if (!client) throw new PermissionLookupError('GitHub permission cannot be checked: set GITHUB_TOKEN or GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY');
    return permissions.get(`${owner}/${repo}/${login}`, (signal) => client.getPermission({ owner, repo, username: login, installationId, signal }), options);
  }

  return {
    async check(event, options) {
      const actor = event.actor;
      if (!actor) return { allowed: false, why: 'the delivery names no user' };
      const { owner, repo } = event.target;
      if (config.GITHUB_ALLOWED_USERS.includes(actor.name)) return { allowed: true, maintainer: false, why: `${actor.name} is in GITHUB_ALLOWED_USERS` };
      const permission = await lookup(event.target, actor.name, options);
      if (permission === 'admin' || permission === 'maintain') return { allowed: true, maintainer: true, why: `${actor.name} has ${permission} permission on ${owner}/${repo}` };
      if (permission === 'write') return { allowed: true, maintainer: false, why: `${actor.name} has write permission on ${owner}/${repo}` };
      return { allowed: false, why: `${actor.name} has ${permission} permission on ${owner}/${repo}; commands need write access (or GITHUB_ALLOWED_USERS)` };
    },
  };
}

import type { Config } from '../../../config.js';
import type { AccessLevel, GitlabClient } from '../../../integrations/gitlab.js';
import { type CheckOptions, type PermissionCheck, PermissionLookupError, type PermissionOptions } from '../adapter.js';
import { PermissionCache } from '../permission-cache.js';
import type { GitlabTarget } from './target.js';

export const DEVELOPER = 30;
export const MAINTAINER = 40;
const LEVEL_NAMES: Record<number, string> = { 0: 'no access', 5: 'Minimal Access', 10: 'Guest', 15: 'Planner', 20: 'Reporter', 30: 'Developer', 40: 'Maintainer', 50: 'Owner' };
const levelName = (level: number) => LEVEL_NAMES[level] ?? `access level ${level}`;

/**
 * GitLab: the commenter's access level on the project, groups included (the members/all API, cached and given up
 * after a deadline like every permission lookup). Developer (30) or above may trigger commands; Maintainer (40) and
 * Owner (50) need no approval for commands that edit.
 */
export function gitlabPermissions(_config: Config, client: GitlabClient | undefined, options: PermissionOptions): PermissionCheck<GitlabTarget> {
  const levels = new PermissionCache<AccessLevel>('GitLab', options);
  const lookup = (projectId: number, userId: number, options?: CheckOptions) => {
    if (!client) throw new PermissionLookupError('GitLab permission cannot be checked: set GITLAB_TOKEN');
    return levels.get(`${projectId}/${userId}`, () => client.accessLevel({ projectId, userId }), options);
  };

  return {
    async check(event, options) {
      const actor = event.actor;
      const userId = Number(actor?.id);
      if (!actor || !Number.isInteger(userId)) return { allowed: false, why: 'the delivery names no GitLab user' };
      const level = await lookup(event.target.projectId, userId, options);
      const has = `${actor.name} is ${levelName(level)} on ${event.target.projectPath}`;
      if (level >= MAINTAINER) return { allowed: true, maintainer: true, why: has };
      if (level >= DEVELOPER) return { allowed: true, maintainer: false, why: has };
      return { allowed: false, why: `${has}; commands need Developer access or above` };
    },
  };
}

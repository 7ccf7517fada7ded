import { LRUCache } from 'lru-cache';
import type { Config } from '../config.js';
import type { RepoPermission } from '../integrations/github.js';
import type { ProviderClients } from './clients.js';
import { type Permission, PermissionLookupError, type PermissionOptions } from './providers/adapter.js';
import type { ProviderEvent } from './providers/types.js';

export { type Permission, PermissionLookupError } from './providers/adapter.js';
export type PermissionCacheOptions = PermissionOptions;

/**
 * Who may trigger the agent. GitHub: write access to the repository (the collaborator-permission API, in a bounded
 * LRU cache for five minutes; a lookup is aborted after three seconds so the reply stays well inside GitHub's ten),
 * or GITHUB_ALLOWED_USERS. Slack:
 * allowed users and channels (default everyone). Jira and Sentry: allowed projects (default all). A maintainer
 * (GitHub admin/maintain, or the provider's *_MAINTAINERS list) needs no approval for commands that edit.
 */
export class PermissionChecker {
  private readonly cache: LRUCache<string, RepoPermission>;
  private readonly lookupTimeoutMs: number;

  constructor(
    private readonly config: Config,
    private readonly clients: ProviderClients,
    options: PermissionCacheOptions = {},
  ) {
    this.cache = new LRUCache({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? 5 * 60_000 });
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? 3_000;
  }

  async check(event: ProviderEvent): Promise<Permission> {
    const actor = event.actor;
    if (!actor) return { allowed: false, why: 'the delivery names no user' };
    const c = this.config;
    switch (event.target.provider) {
      case 'github': {
        const { owner, repo } = event.target;
        if (c.GITHUB_ALLOWED_USERS.includes(actor.name)) return { allowed: true, maintainer: false, why: `${actor.name} is in GITHUB_ALLOWED_USERS` };
        const permission = await this.githubPermission(owner, repo, actor.name, event);
        if (permission === 'admin' || permission === 'maintain') return { allowed: true, maintainer: true, why: `${actor.name} has ${permission} permission on ${owner}/${repo}` };
        if (permission === 'write') return { allowed: true, maintainer: false, why: `${actor.name} has write permission on ${owner}/${repo}` };
        return { allowed: false, why: `${actor.name} has ${permission} permission on ${owner}/${repo}; commands need write access (or GITHUB_ALLOWED_USERS)` };
      }
      case 'slack': {
        const channel = event.target.channel;
        if (c.SLACK_ALLOWED_USERS.length && !c.SLACK_ALLOWED_USERS.includes(actor.id)) return { allowed: false, why: `Slack user ${actor.id} is not in SLACK_ALLOWED_USERS` };
        if (c.SLACK_ALLOWED_CHANNELS.length && !c.SLACK_ALLOWED_CHANNELS.includes(channel)) return { allowed: false, why: `channel ${channel} is not in SLACK_ALLOWED_CHANNELS` };
        return { allowed: true, maintainer: c.SLACK_MAINTAINERS.includes(actor.id), why: 'Slack workspace member' };
      }
      case 'jira': {
        const project = event.target.issueKey.split('-')[0] ?? '';
        if (c.JIRA_ALLOWED_PROJECTS.length && !c.JIRA_ALLOWED_PROJECTS.includes(project)) return { allowed: false, why: `Jira project ${project} is not in JIRA_ALLOWED_PROJECTS` };
        return { allowed: true, maintainer: c.JIRA_MAINTAINERS.includes(actor.id), why: `Jira project ${project} is allowed` };
      }
      case 'sentry': {
        const project = sentryProject(event.payload);
        if (c.SENTRY_ALLOWED_PROJECTS.length && !(project && c.SENTRY_ALLOWED_PROJECTS.includes(project))) {
          return { allowed: false, why: `Sentry project ${project ?? '(unknown)'} is not in SENTRY_ALLOWED_PROJECTS` };
        }
        // Sentry alerts only analyse; nobody edits code from an alert without a maintainer's approval.
        return { allowed: true, maintainer: false, why: 'Sentry integration event' };
      }
    }
  }

  private async githubPermission(owner: string, repo: string, login: string, event: ProviderEvent): Promise<RepoPermission> {
    const key = `${owner}/${repo}/${login}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const github = this.clients.github;
    if (!github) throw new PermissionLookupError('GitHub permission cannot be checked: set GITHUB_TOKEN or GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY');
    const installationId = event.target.provider === 'github' ? event.target.installationId : undefined;
    const signal = AbortSignal.timeout(this.lookupTimeoutMs);
    // The signal aborts the HTTP request. A request still waiting for a slot in Octokit's throttling queue has no
    // request to abort yet, so the wait itself ends with the signal too.
    const abandoned = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    let permission: RepoPermission;
    try {
      permission = await Promise.race([github.getPermission({ owner, repo, username: login, installationId, signal }), abandoned]);
    } catch (err) {
      if (signal.aborted) throw new PermissionLookupError('GitHub did not answer the permission lookup in time', { cause: err });
      throw err;
    }
    this.cache.set(key, permission);
    return permission;
  }
}


/** Where a Sentry payload names its project: issue alerts, event alerts and metric alerts differ. */
interface SentryProjectFields {
  issue?: { project?: { slug?: string } };
  event?: { project_slug?: string };
  project_slug?: string;
}

function sentryProject(payload: unknown): string | undefined {
  const data = (payload as { data?: SentryProjectFields } | undefined)?.data;
  return data?.issue?.project?.slug ?? data?.event?.project_slug ?? data?.project_slug ?? undefined;
}

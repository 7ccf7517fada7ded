import type { Config } from '../config.js';
import { clientOf, type ProviderClients } from './clients.js';
import type { CheckOptions, Permission, PermissionCheck, PermissionOptions } from './providers/adapter.js';
import { allAdapters, type ProviderName } from './providers/index.js';
import type { ProviderEvent } from './providers/types.js';

export { type Permission, PermissionLookupError, PermissionNotCachedError } from './providers/adapter.js';
export type PermissionCacheOptions = PermissionOptions;

/**
 * Who may trigger the agent, decided by the provider's adapter: GitHub asks the repository (write access or more,
 * cached), Slack, Jira and Sentry read allow-lists from the settings. A maintainer (GitHub admin/maintain, or the
 * provider's *_MAINTAINERS list) needs no approval for commands that edit.
 */
export class PermissionChecker {
  private readonly checks = new Map<ProviderName, PermissionCheck>();

  constructor(config: Config, clients: ProviderClients, options: PermissionCacheOptions = {}) {
    for (const adapter of allAdapters()) this.checks.set(adapter.name, adapter.permissions(config, clientOf(clients, adapter.name), options));
  }

  /** With `cachedOnly`, a check that would ask the provider's API throws PermissionNotCachedError instead. */
  async check(event: ProviderEvent, options?: CheckOptions): Promise<Permission> {
    if (!event.actor) return { allowed: false, why: 'the delivery names no user' };
    const check = this.checks.get(event.target.provider);
    if (!check) return { allowed: false, why: `no permission rule for provider ${event.target.provider}` };
    return check.check(event, options);
  }
}

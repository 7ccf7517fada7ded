// The list of providers. Adding one is its folder (providers/<name>/), one line here, and the few registration and
// config files docs/architecture.md lists under "Adding a provider" (test/provider-boundary.test.ts holds the same
// list). Nothing in the pipeline changes.
import { PROVIDER_NAMES, type ProviderName } from '../../contracts/webhook-commands.js';
import type { AnyProviderAdapter, NotifyChannel, ProviderAction } from './adapter.js';
import { github } from './github/adapter.js';
import { gitlab } from './gitlab/adapter.js';
import { jira } from './jira/adapter.js';
import { sentry } from './sentry/adapter.js';
import { slack } from './slack/adapter.js';

/** Every provider's adapter, by name. */
export const ADAPTERS = { github, slack, jira, sentry, gitlab } satisfies Record<ProviderName, AnyProviderAdapter>;

type Registered = typeof ADAPTERS;

/** The outbound clients the configuration allows, by provider; a provider without credentials has none. */
export type ProviderClients = {
  [K in keyof Registered]?: NonNullable<ReturnType<Registered[K] extends AnyProviderAdapter ? Registered[K]['createClient'] : never>>;
};

export { PROVIDER_NAMES, type ProviderName };

export function isProvider(name: string): name is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(name);
}

/** The adapter of a provider. */
export function adapterFor(name: ProviderName): AnyProviderAdapter {
  return (ADAPTERS as Record<ProviderName, AnyProviderAdapter>)[name];
}

/** Every adapter, in PROVIDER_NAMES order. */
export function allAdapters(): AnyProviderAdapter[] {
  return PROVIDER_NAMES.map(adapterFor);
}

/** The provider whose API a rule action calls (`github_label` → GitHub's), with the action; undefined for the pipeline's own. */
export function providerAction(action: string): { adapter: AnyProviderAdapter; action: ProviderAction } | undefined {
  for (const adapter of allAdapters()) {
    const found = adapter.actions && Object.hasOwn(adapter.actions, action) ? adapter.actions[action as keyof typeof adapter.actions] : undefined;
    if (found) return { adapter, action: found };
  }
  return undefined;
}

/** The provider that keeps the notify channel, and its channel; undefined when none does. */
export function notifier(): { adapter: AnyProviderAdapter; channel: NotifyChannel } | undefined {
  const adapter = allAdapters().find((a) => a.notifyChannel);
  return adapter?.notifyChannel && { adapter, channel: adapter.notifyChannel };
}

/** Lower-case headers that carry a provider's signature or secret: kept out of logs and stored deliveries. */
export function signatureHeaders(): string[] {
  return [...new Set(allAdapters().flatMap((a) => a.signature.headers))];
}

/** Headers that say what a delivery is, for every provider: all that is kept of a post that fails verification. */
export function deliveryHeaders(): string[] {
  return [...new Set(allAdapters().flatMap((a) => a.deliveryHeaders ?? []))];
}

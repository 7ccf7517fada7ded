// The list of providers. Adding one is: its folder (providers/<name>/), one line here, its name in PROVIDER_NAMES
// (src/contracts/webhook-commands.ts), its settings in src/config.ts, and docs. Nothing in the pipeline changes.
import { PROVIDER_NAMES, type ProviderName } from '../../contracts/webhook-commands.js';
import type { AnyProviderAdapter } from './adapter.js';

/** Every provider's adapter, by name. Filled in as each provider moves into its folder. */
export const ADAPTERS = {} satisfies Partial<Record<ProviderName, AnyProviderAdapter>>;

type Registered = typeof ADAPTERS;

/** The outbound clients the configuration allows, by provider; a provider without credentials has none. */
export type ProviderClients = {
  [K in keyof Registered]?: NonNullable<ReturnType<Registered[K] extends AnyProviderAdapter ? Registered[K]['createClient'] : never>>;
};

export { PROVIDER_NAMES, type ProviderName };

export function isProvider(name: string): name is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(name);
}

/** The adapter of a provider the registry lists. */
export function adapterFor(name: ProviderName): AnyProviderAdapter {
  const adapter = (ADAPTERS as Partial<Record<ProviderName, AnyProviderAdapter>>)[name];
  if (!adapter) throw new Error(`no adapter registered for provider "${name}"`);
  return adapter;
}

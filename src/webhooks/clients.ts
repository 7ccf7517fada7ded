import type { Config } from '../config.js';
import type { ProviderRetryOptions } from './providers/adapter.js';
import { allAdapters, type ProviderClients, type ProviderName } from './providers/index.js';

export type { ProviderClients, ProviderRetryOptions };

/** The outbound clients the configuration allows; a provider without credentials has none (and says so when used). */
export function createProviderClients(config: Config, retries: ProviderRetryOptions = {}): ProviderClients {
  const clients: Record<string, unknown> = {};
  for (const adapter of allAdapters()) {
    const client = adapter.createClient(config, retries);
    if (client !== undefined) clients[adapter.name] = client;
  }
  return clients as ProviderClients;
}

/** A provider's client as the pipeline sees it: opaque, handed back to that provider's adapter. */
export function clientOf(clients: ProviderClients, provider: ProviderName): unknown {
  return clients[provider];
}

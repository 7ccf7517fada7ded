import type { Config } from '../config.js';
import type { TaskRow } from '../storage/schema.js';
import type { CheckoutSource } from '../worker/checkout.js';
import { clientOf, type ProviderClients } from './clients.js';
import { adapterFor, isProvider } from './providers/index.js';
import type { PostBackTarget } from './providers/types.js';

/**
 * For the worker's checkout, without the worker knowing any provider: the repository a webhook task's thread lives
 * in, as its provider's adapter describes it (with a credential minted for it), or undefined when there is none.
 * Whoever wires the services hands this to the worker.
 */
export function checkoutSources(config: Config, clients: ProviderClients): (task: TaskRow) => Promise<CheckoutSource | undefined> {
  return async (task) => {
    const target = targetOf(task);
    if (!target || !isProvider(target.provider)) return undefined;
    return adapterFor(target.provider).checkout?.(clientOf(clients, target.provider), target, config);
  };
}

function targetOf(task: TaskRow): PostBackTarget | undefined {
  if (!task.source_metadata) return undefined;
  try {
    return (JSON.parse(task.source_metadata) as { target?: PostBackTarget }).target;
  } catch {
    return undefined;
  }
}

import type { Config } from '../config.js';
import type { TaskRow } from '../storage/schema.js';
import type { CheckoutSource } from '../worker/checkout.js';
import { clientOf, type ProviderClients } from './clients.js';
import { adapterFor, isProvider } from './providers/index.js';
import { threadMetadata } from './thread-task.js';

/**
 * For the worker's checkout, without the worker knowing any provider: the repository a webhook task's thread lives
 * in, as its provider's adapter describes it (with a credential minted for it), or undefined when there is none.
 * Whoever wires the services hands this to the worker.
 */
export function checkoutSources(config: Config, clients: ProviderClients): (task: TaskRow) => Promise<CheckoutSource | undefined> {
  return async (task) => {
    const target = threadMetadata(task)?.target;
    if (!target || !isProvider(target.provider)) return undefined;
    return adapterFor(target.provider).checkout?.(clientOf(clients, target.provider), target, config);
  };
}

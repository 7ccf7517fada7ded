import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import { clientOf, type ProviderClients } from './clients.js';
import { need } from './providers/adapter.js';
import { adapterFor } from './providers/index.js';
import type { PostBackTarget, ProviderEvent } from './providers/types.js';

/**
 * Replies on the provider's side that belong to the delivery itself (the 👀 reaction, help, refusals, "waits for
 * approval"). They are sent after the webhook has been answered and never hold it up; a failure is logged and, when
 * a task exists, recorded on it.
 */
export class Responder {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly clients: ProviderClients,
    private readonly repos: Repositories,
    private readonly log: Logger,
  ) {}

  acknowledge(event: ProviderEvent): void {
    this.track(() => adapterFor(event.provider).acknowledge(clientOf(this.clients, event.provider), event), 'reaction');
  }

  later(event: ProviderEvent, text: string, opts: { taskId?: string; approvalButtons?: boolean } = {}): void {
    this.track(async () => {
      const id = await postReply(this.clients, event.target, text, opts.approvalButtons ? opts.taskId : undefined);
      if (id) await this.repos.webhookEvents.recordPost(event.provider, id, opts.taskId ?? null);
    }, 'reply', opts.taskId);
  }

  /** Any other provider call that must not hold up the webhook's answer. */
  run(what: string, work: () => Promise<void>, taskId?: string): void {
    this.track(work, what, taskId);
  }

  /** Resolves when every reply sent so far has finished (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private track(work: () => Promise<void>, what: string, taskId?: string): void {
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch(async (err: unknown) => {
        this.log.warn({ err, task_id: taskId }, `webhook ${what} failed`);
        if (taskId) await this.repos.tasks.update(taskId, { post_back_error: `${what} failed: ${(err as Error).message}` }).catch(() => undefined);
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}

/** Posts a new message in the thread; returns the id the loop guard records ("comment:123", "C1/1700.1"…). */
export async function postReply(clients: ProviderClients, t: PostBackTarget, text: string, approvalTaskId?: string): Promise<string | undefined> {
  return adapterFor(t.provider).reply(clientOf(clients, t.provider), t, text, { approvalTaskId });
}

export { need };

import type { EventBus } from '../live/event-bus.js';
import type { Logger } from '../logger.js';
import type { WebhookConfigRepository } from '../storage/repositories/webhook-configs.js';
import type { Redactor } from './redactor.js';

/** A backstop for a missed change message (pub/sub keeps nothing): every process reloads the secrets this often. */
const RELOAD_EVERY_MS = 60_000;

/**
 * Keeps the redactor's `webhooks` source equal to the dynamic webhooks' secrets in the database: loaded at start;
 * a secret created or rotated in this process is redacted at once; every change makes every process (API and
 * workers, over the event bus) reload the list, and a timer reloads it anyway.
 */
export class WebhookSecrets {
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private generation = 0;
  private stopped = false;

  constructor(private readonly deps: { webhooks: WebhookConfigRepository; bus: EventBus; redactor: Redactor; log: Logger; reloadEveryMs?: number }) {}

  async start(): Promise<void> {
    const { webhooks, bus, redactor } = this.deps;
    await this.reload();
    webhooks.onSecretChange((added) => {
      if (this.stopped) return;
      if (added) redactor.add('webhooks', added);
      void this.reload();
      bus.publishControl({ type: 'secrets_changed' }).catch((err: unknown) => this.deps.log.warn({ err }, 'could not tell other processes that a webhook secret changed'));
    });
    this.unsubscribe = bus.onControl((message) => {
      if (message.type === 'secrets_changed') void this.reload();
    });
    this.timer = setInterval(() => void this.reload(), this.deps.reloadEveryMs ?? RELOAD_EVERY_MS);
    this.timer.unref();
  }

  /** Replaces the list with the database's; of overlapping reloads, the last one started wins. */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    try {
      const secrets = await this.deps.webhooks.secrets();
      if (generation === this.generation && !this.stopped) this.deps.redactor.set('webhooks', secrets);
    } catch (err) {
      this.deps.log.warn({ err }, 'could not reload the webhook secrets to redact; keeping the previous list');
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
  }
}

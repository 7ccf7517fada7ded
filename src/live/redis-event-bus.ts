import type { Redis } from 'ioredis';
import type { LiveEvent } from '../contracts/events.js';
import type { ControlMessage, EventBus } from './event-bus.js';
import { LocalEventBus } from './event-bus.js';

/** A batch's message grows to about this size before the next event starts a new one (one event may be larger). */
const MAX_MESSAGE_CHARS = 256 * 1024;

/**
 * Redis pub/sub between API and worker processes. Pub/sub keeps nothing, which is fine: every event is in the
 * database before it is published, so a client that missed one replays it from /api/tasks/{id}/events.
 */
export class RedisEventBus implements EventBus {
  private readonly local = new LocalEventBus();
  private readonly subscriber: Redis;
  private readonly eventsChannel: string;
  private readonly controlChannel: string;
  private readonly ready: Promise<unknown>;
  /** Events published in this turn of the event loop, serialised, waiting to go out together. */
  private outbox: string[] = [];
  private sending?: Promise<void>;

  constructor(
    private readonly publisher: Redis,
    prefix: string,
  ) {
    this.eventsChannel = `${prefix}:events`;
    this.controlChannel = `${prefix}:control`;
    this.subscriber = publisher.duplicate();
    this.subscriber.on('error', () => undefined); // reconnects by itself (and resubscribes); /health reports Redis
    this.subscriber.on('message', (channel: string, message: string) => {
      try {
        const parsed = JSON.parse(message) as unknown;
        if (channel === this.eventsChannel) for (const event of Array.isArray(parsed) ? parsed : [parsed]) void this.local.publish(event as LiveEvent);
        else if (channel === this.controlChannel) void this.local.publishControl(parsed as ControlMessage);
      } catch {
        // not ours
      }
    });
    this.ready = this.subscriber.subscribe(this.eventsChannel, this.controlChannel);
  }

  /** Resolves once the subscription is live, so no event published after it is missed. */
  whenReady(): Promise<unknown> {
    return this.ready;
  }

  /**
   * Events published in one turn of the event loop (a recorder's flushed batch) go out as one PUBLISH of a JSON
   * array, not one round trip each; every PUBLISH goes down the one connection in order, so order is kept. The
   * promise settles when the event's message has been published.
   *
   * Dropped while Redis is away rather than queued for the reconnect (or awaited for as long as the outage lasts):
   * the event is in the database, and clients replay it.
   */
  publish(event: LiveEvent): Promise<void> {
    if (this.publisher.status !== 'ready') return Promise.resolve();
    this.outbox.push(JSON.stringify(event));
    this.sending ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.sendOutbox());
    return this.sending;
  }

  private async sendOutbox(): Promise<void> {
    const taken = this.outbox;
    this.outbox = [];
    this.sending = undefined;
    if (this.publisher.status !== 'ready') return;
    const sent: Array<Promise<unknown>> = [];
    for (let i = 0; i < taken.length; ) {
      let size = taken[i]!.length;
      let end = i + 1;
      while (end < taken.length && size + taken[end]!.length < MAX_MESSAGE_CHARS) size += taken[end++]!.length;
      sent.push(this.publisher.publish(this.eventsChannel, end - i === 1 ? taken[i]! : `[${taken.slice(i, end).join(',')}]`));
      i = end;
    }
    await Promise.all(sent);
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    return this.local.subscribe(listener);
  }

  /** Dropped while Redis is away: a worker reads a recorded cancel from the task row at its next heartbeat. */
  async publishControl(message: ControlMessage): Promise<void> {
    if (this.publisher.status !== 'ready') return;
    await this.publisher.publish(this.controlChannel, JSON.stringify(message));
  }

  onControl(listener: (message: ControlMessage) => void): () => void {
    return this.local.onControl(listener);
  }

  async close(): Promise<void> {
    await this.local.close();
    this.subscriber.disconnect();
  }
}

import type { Redis } from 'ioredis';
import type { LiveEvent } from '../contracts/events.js';
import type { ControlMessage, EventBus } from './event-bus.js';
import { LocalEventBus } from './event-bus.js';

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
        if (channel === this.eventsChannel) void this.local.publish(parsed as LiveEvent);
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
   * Dropped while Redis is away rather than queued for the reconnect (or awaited for as long as the outage lasts):
   * the event is in the database, and clients replay it.
   */
  async publish(event: LiveEvent): Promise<void> {
    if (this.publisher.status !== 'ready') return;
    await this.publisher.publish(this.eventsChannel, JSON.stringify(event));
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

import type { LiveEvent } from '../contracts/events.js';
import type { StreamItem } from '../contracts/stream-item.js';
import type { TaskEventRepository } from '../storage/repositories/task-events.js';
import type { EventBus } from './event-bus.js';

const FLUSH_DELAY_MS = 40;
const MAX_BATCH = 100;

/**
 * Turns a run's stream items into numbered events: stored first, published second. Because a published event is
 * always already in the database, a client that subscribes and then replays `after=N` has no gap, and dedups the
 * overlap by seq.
 */
export class TaskRecorder {
  private seq: number;
  private buffer: Array<{ seq: number; item: StreamItem; at: number }> = [];
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private failure?: unknown;

  constructor(
    private readonly taskId: string,
    private readonly sessionId: string,
    lastSeq: number,
    private readonly events: TaskEventRepository,
    private readonly bus: EventBus,
    private readonly onError: (err: unknown) => void,
  ) {
    this.seq = lastSeq;
  }

  get lastSeq(): number {
    return this.seq;
  }

  push(item: StreamItem): void {
    this.buffer.push({ seq: ++this.seq, item, at: Date.now() });
    if (this.buffer.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /** Writes what is buffered, then publishes it. Calls are serialised, so events stay in seq order. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.chain;
    this.chain = this.chain.then(async () => {
      try {
        await this.events.append(batch.map((e) => ({ task_id: this.taskId, seq: e.seq, type: 'task.output', item: e.item, created_at: e.at })));
        for (const e of batch) {
          const event: LiveEvent = { type: 'task.output', task_id: this.taskId, session_id: this.sessionId, seq: e.seq, item: e.item, ts: new Date(e.at).toISOString() };
          await this.bus.publish(event);
        }
      } catch (err) {
        this.failure ??= err;
        this.onError(err);
      }
    });
    return this.chain;
  }
}

import { DeferDelivery, type TaskQueue } from './queue.js';

/** In-process FIFO for the single-process default. Nothing to lose on a crash: start-up re-enqueues queued rows. */
export class EmbeddedQueue implements TaskQueue {
  readonly kind = 'embedded' as const;
  readonly available = true;
  private readonly waiting: string[] = [];
  private readonly active = new Set<string>();
  private handler?: (taskId: string) => Promise<void>;
  private concurrency = 1;
  private paused = false;

  async enqueue(taskId: string): Promise<void> {
    if (this.waiting.includes(taskId) || this.active.has(taskId)) return;
    this.waiting.push(taskId);
    this.pump();
  }

  consume(handler: (taskId: string) => Promise<void>, concurrency: number): void {
    this.handler = handler;
    this.concurrency = concurrency;
    this.paused = false;
    this.pump();
  }

  private pump(): void {
    while (this.handler && !this.paused && this.active.size < this.concurrency && this.waiting.length > 0) {
      const taskId = this.waiting.shift()!;
      this.active.add(taskId);
      void this.handler(taskId)
        .catch((err: unknown) => {
          // Otherwise the worker records its own failures on the task row.
          if (err instanceof DeferDelivery) setTimeout(() => void this.enqueue(taskId), err.delayMs).unref();
        })
        .finally(() => {
          this.active.delete(taskId);
          this.pump();
        });
    }
  }

  async pause(): Promise<void> {
    this.paused = true;
  }

  async depth(): Promise<number> {
    return this.waiting.length;
  }

  async contains(taskId: string): Promise<boolean> {
    return this.waiting.includes(taskId) || this.active.has(taskId);
  }

  async remove(taskId: string): Promise<void> {
    const i = this.waiting.indexOf(taskId);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  async close(): Promise<void> {
    this.paused = true;
    this.waiting.length = 0;
  }
}

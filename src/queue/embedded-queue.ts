import { DEFER_MS, type Handled, type TaskQueue } from './queue.js';

/** In-process FIFO for the single-process default. Nothing to lose on a crash: start-up re-enqueues queued rows. */
export class EmbeddedQueue implements TaskQueue {
  readonly kind = 'embedded' as const;
  readonly available = true;
  private readonly waiting: string[] = [];
  private readonly active = new Set<string>();
  private handler?: (taskId: string) => Promise<Handled>;
  private concurrency = 1;
  private paused = false;

  async enqueue(taskId: string, opts: { fresh?: boolean } = {}): Promise<void> {
    if (this.waiting.includes(taskId) || this.active.has(taskId)) return;
    if (opts.fresh) this.waiting.unshift(taskId);
    else this.waiting.push(taskId);
    this.pump();
  }

  consume(handler: (taskId: string) => Promise<Handled>, concurrency: number): void {
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
        .catch(() => undefined) // the worker records its own failures on the task row
        .then((handled) => {
          this.active.delete(taskId);
          // Handed back: waiting again (a paused queue keeps it; a closed one lets start-up reconciliation find it).
          if (handled === 'handed-back') this.waiting.push(taskId);
          if (handled === 'deferred') setTimeout(() => void this.enqueue(taskId), DEFER_MS).unref();
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

import { DelayedError, Queue, Worker as BullWorker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TaskQueue } from './queue.js';

const QUEUE_NAME = 'tasks';

/**
 * BullMQ on Redis for the distributed setup. The job id is the task id, so enqueueing a waiting task twice is a
 * no-op. Jobs are removed when handled: Redis holds only what is still to do, the database holds the history.
 */
export class BullmqQueue implements TaskQueue {
  readonly kind = 'bullmq' as const;
  private readonly queue: Queue;
  private worker?: BullWorker;
  private paused = false;

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection, prefix });
  }

  async enqueue(taskId: string): Promise<void> {
    await this.queue.add('task', { taskId }, { jobId: taskId, removeOnComplete: true, removeOnFail: true, attempts: 1 });
  }

  consume(handler: (taskId: string) => Promise<void>, concurrency: number): void {
    // A worker needs its own blocking connection; BullMQ duplicates the one it is given.
    this.paused = false;
    this.worker = new BullWorker(
      QUEUE_NAME,
      async (job, token) => {
        // A fetch already under way when the worker paused still delivers: hand the job back for another worker.
        if (this.paused) {
          await job.moveToDelayed(Date.now() + 1000, token);
          throw new DelayedError();
        }
        await handler(String(job.data.taskId));
      },
      {
      connection: this.connection.duplicate({ maxRetriesPerRequest: null }),
      prefix: this.prefix,
      concurrency,
      // A long Claude run must not look stalled: the lock is renewed while the handler runs.
      lockDuration: 60_000,
      maxStalledCount: 1000,
      },
    );
    this.worker.on('error', () => undefined); // connection errors surface through /health
  }

  async pause(): Promise<void> {
    this.paused = true;
    // doNotWaitActive: stop fetching now; the worker's own grace logic waits for the running tasks.
    await this.worker?.pause(true);
  }

  async depth(): Promise<number> {
    return this.queue.getJobCountByTypes('waiting', 'delayed', 'prioritized');
  }

  async contains(taskId: string): Promise<boolean> {
    const job = await this.queue.getJob(taskId);
    if (!job) return false;
    const state = await job.getState();
    return state === 'waiting' || state === 'active' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children';
  }

  async remove(taskId: string): Promise<void> {
    try {
      await this.queue.remove(taskId);
    } catch {
      // an active (locked) job cannot be removed; the worker skips it because its row is no longer queued
    }
  }

  async close(): Promise<void> {
    await this.worker?.close(true);
    await this.queue.close();
  }
}

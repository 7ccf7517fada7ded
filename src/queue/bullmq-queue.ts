import { DelayedError, Queue, Worker as BullWorker } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFER_MS, type Handled, QueueUnavailableError, type TaskQueue } from './queue.js';

const QUEUE_NAME = 'tasks';
/** A call to a Redis that is up but does not answer (a half-open connection) fails after this instead of hanging. */
const CALL_TIMEOUT_MS = 5_000;
const FIRST_CONNECT_WAIT_MS = 1_000;

/**
 * BullMQ on Redis for the distributed setup. The job id is the task id, so enqueueing a waiting task twice is a
 * no-op. Jobs are removed when handled: Redis holds only what is still to do, the database holds the history.
 */
export class BullmqQueue implements TaskQueue {
  readonly kind = 'bullmq' as const;
  private readonly queue: Queue;
  private worker?: BullWorker;
  private paused = false;
  private everReady = false;

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection, prefix });
    this.queue.on('error', () => undefined); // connection errors surface through `available` and /health
    this.everReady = connection.status === 'ready';
    connection.once('ready', () => (this.everReady = true));
  }

  get available(): boolean {
    return this.connection.status === 'ready';
  }

  /**
   * The connection queues commands while Redis is away (BullMQ needs maxRetriesPerRequest: null), which would hold
   * a request for as long as the outage lasts: calls fail at once instead, and the database row waits for
   * reconciliation.
   */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    // A connection still being made for the first time (a queue used right after it was built) gets a moment.
    if (!this.available && !this.everReady) await this.firstConnection();
    if (!this.available) throw new QueueUnavailableError(`Redis is unavailable (${this.connection.status}): cannot ${what}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailableError(`Redis did not answer within ${CALL_TIMEOUT_MS / 1000} s: cannot ${what}`)), CALL_TIMEOUT_MS);
    });
    try {
      return await Promise.race([fn(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private firstConnection(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.connection.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, FIRST_CONNECT_WAIT_MS);
      this.connection.once('ready', done);
    });
  }

  async enqueue(taskId: string, opts: { fresh?: boolean } = {}): Promise<void> {
    // A fresh entry has an id of its own: the task's usual one may still be held, locked, for a worker that died. It
    // goes to the head of the queue (lifo): a recovered task runs again before the work queued after it.
    const jobId = opts.fresh ? `${taskId}.${Date.now().toString(36)}` : taskId;
    await this.call('enqueue a task', () => this.queue.add('task', { taskId }, { jobId, lifo: !!opts.fresh, removeOnComplete: true, removeOnFail: true, attempts: 1 }));
  }

  consume(handler: (taskId: string) => Promise<Handled>, concurrency: number): void {
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
        // Handed back by a worker that is stopping: due at once, for a worker that is not.
        const handled = await handler(String(job.data.taskId));
        if (handled === 'handed-back' || handled === 'deferred') {
          await job.moveToDelayed(Date.now() + (handled === 'deferred' ? DEFER_MS : 0), token);
          throw new DelayedError();
        }
      },
      {
      connection: this.connection.duplicate({ maxRetriesPerRequest: null }),
      prefix: this.prefix,
      concurrency,
      // A long Claude run must not look stalled: the lock is renewed (every lockDuration / 2) while the handler runs.
      // The job of a worker that died is handed out again once its lock lapses and the stalled check runs, within
      // about 20 s (after 60 + 30 s with BullMQ's defaults, an interrupted task waited that long for its retry). A
      // job delivered twice is harmless: the handler runs only a task whose row is still `queued`.
      lockDuration: 15_000,
      stalledInterval: 5_000,
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
    return this.call('count waiting tasks', () => this.queue.getJobCountByTypes('waiting', 'delayed', 'prioritized'));
  }

  async contains(taskId: string): Promise<boolean> {
    return this.call('look up a task', async () => {
      const job = await this.queue.getJob(taskId);
      if (!job) return false;
      const state = await job.getState();
      return state === 'waiting' || state === 'active' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children';
    });
  }

  async remove(taskId: string): Promise<void> {
    try {
      await this.call('remove a task', () => this.queue.remove(taskId));
    } catch {
      // An active (locked) job cannot be removed, nor any while Redis is away: the worker skips it because its row
      // is no longer queued.
    }
  }

  async close(): Promise<void> {
    await this.worker?.close(true);
    await this.queue.close();
  }
}

/**
 * The queue carries task ids only; the database row is the truth. Both implementations deliver an id to at most
 * `concurrency` handlers at once per consumer, and ignore an id that is already waiting.
 */
/**
 * What a handler says of the id it was given: nothing when it is dealt with, `handed-back` when this consumer is
 * stopping and another should take it now (the task's row is `queued` again), `deferred` when a cluster-wide limit
 * keeps it waiting (offered again after DEFER_MS).
 */
export type Handled = void | 'handed-back' | 'deferred';

/** How long a deferred id waits before it is offered again. */
export const DEFER_MS = 1_000;

export interface TaskQueue {
  readonly kind: 'embedded' | 'bullmq';
  /**
   * False while the queue's store is unreachable (Redis down): then every call fails at once with
   * QueueUnavailableError instead of waiting. Tasks stay in the database as `queued`; reconciliation enqueues them.
   */
  readonly available: boolean;
  /**
   * `fresh`: a new entry even when one for the task exists, for a task recovered from a dead worker (whose entry the
   * queue still holds for it until its lock lapses), at the head of the queue: it runs again before newer work. A
   * second delivery is harmless: only a `queued` row is run.
   */
  enqueue(taskId: string, opts?: { fresh?: boolean }): Promise<void>;
  /** Starts delivering ids to the handler, at most `concurrency` at once. */
  consume(handler: (taskId: string) => Promise<Handled>, concurrency: number): void;
  /** Stops delivering new ids; handlers already running carry on. */
  pause(): Promise<void>;
  /** Ids waiting to be delivered. */
  depth(): Promise<number>;
  /** Whether the id is waiting or being handled (reconciliation asks this of queued rows). */
  contains(taskId: string): Promise<boolean>;
  remove(taskId: string): Promise<void>;
  close(): Promise<void>;
}

/** The queue's store (Redis) cannot be reached now; the task row is kept and enqueued when it can. */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
}

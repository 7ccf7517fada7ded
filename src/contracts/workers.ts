import { z } from 'zod';
import { Timestamp } from './common.js';

/** One worker process, as it last reported itself in the database. */
export const WorkerView = z.object({
  worker_id: z.string(),
  host: z.string(),
  pid: z.number(),
  version: z.string(),
  started_at: Timestamp,
  last_seen_at: Timestamp,
  /** Tasks it runs now (as of its last heartbeat; 0 once gone). */
  running: z.number(),
  /** Its MAX_CONCURRENT_TASKS. */
  capacity: z.number(),
  draining: z.boolean(),
  /** `gone`: stopped, or no heartbeat for WORKER_DEAD_SECONDS (its running tasks were recovered). */
  state: z.enum(['live', 'draining', 'gone']),
  /** Why it is gone: `stopped`, or how long it was silent. */
  gone_reason: z.string().nullable(),
  /** Where it serves /metrics (WORKER_METRICS_PORT), if it does. */
  metrics_port: z.number().nullable(),
});
export type WorkerView = z.infer<typeof WorkerView>;

/** GET /api/workers: every worker seen in the last day, newest first, with the live ones' sums. */
export const WorkerList = z.object({
  workers: z.array(WorkerView),
  /** Sums over the live (and draining) workers; a draining worker's slots are not capacity. */
  totals: z.object({ live: z.number(), running: z.number(), capacity: z.number() }),
  dead_after_seconds: z.number(),
});
export type WorkerList = z.infer<typeof WorkerList>;

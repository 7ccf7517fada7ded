import { z } from 'zod';

export const ROLES = ['all', 'api', 'worker'] as const;

/** GET /api/dashboard/status: what the overview's header shows. */
export const DashboardStatus = z.object({
  /** `degraded` while the queue (Redis) cannot be reached. */
  status: z.enum(['ok', 'degraded']),
  demo_mode: z.boolean(),
  role: z.enum(ROLES),
  storage: z.string(),
  queue: z.string(),
  /** null while the queue cannot be reached. */
  queue_depth: z.number().nullable(),
  running: z.number(),
  queued: z.number(),
  waiting_approval: z.number(),
  /** MAX_CONCURRENT_TASKS: the limit of each worker process (the cluster's is `capacity`). */
  max_concurrent_tasks: z.number(),
  /** Children this process runs; null in an API-only process. */
  worker_running: z.number().nullable(),
  /** Cluster figures, summed over the live workers' heartbeats (GET /api/workers has each). */
  workers_live: z.number(),
  /** Tasks the live workers say they run. */
  cluster_running: z.number(),
  /** Slots of the live, not draining, workers; capped by GLOBAL_MAX_CONCURRENT_TASKS when it is set. */
  capacity: z.number(),
  /** GLOBAL_MAX_CONCURRENT_TASKS; null: no cluster-wide limit. */
  global_max_concurrent_tasks: z.number().nullable(),
  tasks_by_status: z.record(z.string(), z.number()),
  tasks_today: z.number(),
  cost_today_usd: z.number(),
  uptime_seconds: z.number(),
});
export type DashboardStatus = z.infer<typeof DashboardStatus>;

/**
 * GET /health: 200 with `status: "ok"` once the database and queue answer, else 503 `degraded` with the failing
 * check's message. Open fields beyond these are kept (a process may report more about itself).
 */
export const Health = z.looseObject({
  status: z.enum(['ok', 'degraded']),
  checks: z.record(z.string(), z.string()),
  role: z.enum(ROLES).optional(),
  storage: z.string().optional(),
  queue: z.string().optional(),
  demo_mode: z.boolean().optional(),
  sandbox: z.looseObject({ mode: z.string(), sandboxed: z.boolean(), network: z.string().optional(), note: z.string().optional() }).optional(),
  credential: z.object({ usable: z.boolean(), source: z.string().nullable(), note: z.string() }).optional(),
  uptime_seconds: z.number().optional(),
});
export type Health = z.infer<typeof Health>;

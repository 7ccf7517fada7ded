import type { FastifyInstance } from 'fastify';
import { ERRORS } from '../contracts/common.js';
import { DashboardStatus } from '../contracts/dashboard.js';
import type { Services } from '../services.js';
import { typed } from './schemas.js';
import { workerList } from './workers.js';

export function startOfUtcDay(now = Date.now()): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

export function dashboardRoutes(app: FastifyInstance, s: Services): void {
  const schema = { tags: ['dashboard'], summary: 'What the overview shows: counts, queue, spending today', response: { 200: DashboardStatus, ...ERRORS } };
  typed(app).get('/api/dashboard/status', { schema }, async () => {
    const [byStatus, today, depth, cluster] = await Promise.all([
      s.repos.analytics.countByStatus(), // rollups + the live part of the status index: bounded at a million tasks
      s.repos.tasks.costSince(startOfUtcDay()),
      s.queue.depth().catch(() => null), // Redis away: unknown, and the status says so
      workerList(s),
    ]);
    const globalMax = s.config.GLOBAL_MAX_CONCURRENT_TASKS || null;
    return {
      status: s.queue.available ? ('ok' as const) : ('degraded' as const),
      demo_mode: s.config.DEMO_MODE,
      role: s.role,
      storage: s.storage.dialect,
      queue: s.queue.kind,
      queue_depth: depth,
      running: byStatus.running ?? 0,
      queued: byStatus.queued ?? 0,
      waiting_approval: byStatus.waiting_approval ?? 0,
      max_concurrent_tasks: s.config.MAX_CONCURRENT_TASKS,
      worker_running: s.worker?.runningCount ?? null,
      workers_live: cluster.totals.live,
      cluster_running: cluster.totals.running,
      capacity: globalMax === null ? cluster.totals.capacity : Math.min(globalMax, cluster.totals.capacity),
      global_max_concurrent_tasks: globalMax,
      tasks_by_status: byStatus,
      tasks_today: today.tasks,
      cost_today_usd: today.cost,
      uptime_seconds: Math.round((Date.now() - s.startedAt) / 1000),
    };
  });
}

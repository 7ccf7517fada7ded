import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import client from 'prom-client';
import { Health } from '../contracts/dashboard.js';
import type { WebSocketHub } from '../live/ws-hub.js';
import { type DiskReport, diskReport } from '../storage/disk-space.js';
import type { Services } from '../services.js';
import { credentialReport } from '../worker/credentials.js';
import type { SandboxStatus } from '../worker/sandbox.js';
import { typed } from './schemas.js';
import { registerTaskMetrics } from './task-metrics.js';
import { registerClusterMetrics } from '../cluster/metrics.js';

function sandboxReport(sandbox: SandboxStatus) {
  if (sandbox.mode === 'bwrap') return { mode: 'bwrap', sandboxed: true, network: sandbox.egressSocket ? 'restricted' : 'shared' };
  return { mode: 'off', sandboxed: false, note: `runs are not sandboxed: ${sandbox.reason}` };
}

export function healthRoutes(app: FastifyInstance, s: Services): void {
  const schema = { tags: ['health'], summary: 'Ready (200) or degraded (503), with each check', security: [], response: { 200: Health, 503: Health } };
  typed(app).get('/health', { schema }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      await sql`select 1`.execute(s.storage.db);
      checks.database = 'ok';
    } catch (err) {
      checks.database = `error: ${(err as Error).message}`;
    }
    try {
      await s.queue.depth();
      checks.queue = 'ok';
    } catch (err) {
      // Tasks are still accepted: they wait in the database and are enqueued when Redis is back.
      checks.queue = `error: ${(err as Error).message}; tasks are stored as queued and enqueued when it returns`;
    }
    let disk: DiskReport | undefined;
    try {
      disk = diskReport(s.config.dataDir, s.config.DATA_DIR_MIN_FREE_MB * 1024 * 1024);
      checks.disk = disk.free_bytes < disk.min_free_bytes ? `low: ${disk.free_bytes} bytes free in ${disk.path} (DATA_DIR_MIN_FREE_MB is ${s.config.DATA_DIR_MIN_FREE_MB})` : 'ok';
      if (checks.disk === 'ok') s.spaceReserve?.ensure(); // room again: the reserve a full disk used is made again
    } catch (err) {
      checks.disk = `error: ${(err as Error).message}`;
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ok ? 200 : 503).send({
      status: ok ? ('ok' as const) : ('degraded' as const),
      checks,
      role: s.role,
      storage: s.storage.dialect,
      queue: s.queue.kind,
      ...(disk ? { disk } : {}),
      demo_mode: s.config.DEMO_MODE,
      // Only a process that runs tasks has a sandbox to report.
      ...(s.sandbox ? { sandbox: sandboxReport(s.sandbox) } : {}),
      // Whether runs will have an Anthropic credential (which variable, never its value): the dashboard's banner.
      credential: credentialReport(s.config),
      uptime_seconds: Math.round((Date.now() - s.startedAt) / 1000),
    });
  });

}

/** GET /metrics, Prometheus text: src/app.ts puts it behind the API token unless METRICS_PUBLIC=true. */
export function metricsRoutes(app: FastifyInstance, s: Services, hub: WebSocketHub): void {
  const registry = metricsRegistry(s, hub);
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}

/**
 * Every metric this process serves: an API process's (with its WebSocket clients) or a worker's (on
 * WORKER_METRICS_PORT, src/cluster/worker-metrics.ts). A registry per call, so several apps in one test process do
 * not collide on metric names.
 */
export function metricsRegistry(s: Services, hub?: WebSocketHub): client.Registry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  new client.Gauge({
    name: 'cca_tasks',
    help: 'Tasks by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await s.repos.analytics.countByStatus(); // bounded: rollups and the live part of the status index
      this.reset();
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  new client.Gauge({
    name: 'cca_queue_depth',
    help: 'Task ids waiting in the queue',
    registers: [registry],
    async collect() {
      // Unknown while Redis is away: no sample rather than a failed scrape.
      if (s.queue.available) this.set(await s.queue.depth().catch(() => 0));
    },
  });
  new client.Gauge({
    name: 'cca_running_tasks',
    help: 'Claude Code children this process is running',
    registers: [registry],
    collect() {
      this.set(s.worker?.runningCount ?? 0);
    },
  });
  if (hub) {
    new client.Gauge({
      name: 'cca_websocket_clients',
      help: 'Connected WebSocket clients',
      registers: [registry],
      collect() {
        this.set(hub.clientCount);
      },
    });
  }
  registerTaskMetrics(registry, s.repos);
  registerClusterMetrics(registry, s);
  return registry;
}

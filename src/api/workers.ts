import type { FastifyInstance } from 'fastify';
import { WorkerRegistry, workerState } from '../cluster/worker-registry.js';
import { ERRORS } from '../contracts/common.js';
import { WorkerList, type WorkerView } from '../contracts/workers.js';
import type { Services } from '../services.js';
import type { WorkerRow } from '../storage/schema.js';
import { typed } from './schemas.js';

export function workerView(w: WorkerRow, now: number, deadMs: number): WorkerView {
  const state = workerState(w, now, deadMs);
  return {
    worker_id: w.worker_id,
    host: w.host,
    pid: Number(w.pid),
    version: w.version,
    started_at: new Date(Number(w.started_at)).toISOString(),
    last_seen_at: new Date(Number(w.last_seen_at)).toISOString(),
    running: state === 'gone' ? 0 : Number(w.running),
    capacity: Number(w.capacity),
    draining: !!w.draining,
    state,
    gone_reason: state === 'gone' ? (w.gone_reason ?? `no heartbeat for ${Math.round(deadMs / 1000)} s`) : null,
    metrics_port: w.metrics_port === null ? null : Number(w.metrics_port),
  };
}

/** Every worker's load and state, for the API and the dashboard's status (sums over the live ones). */
export async function workerList(s: Services): Promise<WorkerList> {
  const now = Date.now();
  const deadMs = s.config.WORKER_DEAD_SECONDS * 1000;
  const workers = (await new WorkerRegistry(s.storage.db).list(now)).map((w) => workerView(w, now, deadMs));
  const live = workers.filter((w) => w.state !== 'gone');
  return {
    workers,
    totals: {
      live: live.length,
      running: live.reduce((n, w) => n + w.running, 0),
      capacity: live.reduce((n, w) => n + (w.draining ? 0 : w.capacity), 0),
    },
    dead_after_seconds: s.config.WORKER_DEAD_SECONDS,
  };
}

export function workerRoutes(app: FastifyInstance, s: Services): void {
  const schema = { tags: ['workers'], summary: 'Worker processes: load, last heartbeat, live, draining or gone', response: { 200: WorkerList, ...ERRORS } };
  typed(app).get('/api/workers', { schema }, () => workerList(s));
}

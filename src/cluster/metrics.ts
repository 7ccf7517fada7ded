import client from 'prom-client';
import { workerList } from '../api/workers.js';
import type { WorkerList } from '../contracts/workers.js';
import type { Services } from '../services.js';

/**
 * Cluster figures read from the workers table at scrape time, the same from whichever process serves /metrics:
 * workers by state, and running tasks and slots summed over the live ones. One read per scrape serves all three.
 */
export function registerClusterMetrics(registry: client.Registry, s: Services): void {
  let pending: Promise<WorkerList> | undefined;
  const read = () => {
    pending ??= workerList(s).finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  new client.Gauge({
    name: 'cca_workers',
    help: 'Worker processes seen in the last day, by state (live, draining, gone)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const { workers } = await read();
      this.reset();
      for (const state of ['live', 'draining', 'gone'] as const) this.set({ state }, workers.filter((w) => w.state === state).length);
    },
  });
  new client.Gauge({
    name: 'cca_cluster_running_tasks',
    help: 'Tasks the live workers run, as of their last heartbeats',
    registers: [registry],
    async collect() {
      this.set((await read()).totals.running);
    },
  });
  new client.Gauge({
    name: 'cca_cluster_capacity_tasks',
    help: 'Task slots of the live workers that are not draining (before GLOBAL_MAX_CONCURRENT_TASKS)',
    registers: [registry],
    async collect() {
      this.set((await read()).totals.capacity);
    },
  });
}

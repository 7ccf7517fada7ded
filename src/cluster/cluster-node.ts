import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Storage } from '../storage/db.js';
import { ClusterMembership } from './membership.js';
import { WorkerRegistry } from './worker-registry.js';

export interface ClusterNodeDeps {
  config: Config;
  storage: Storage;
  log: Logger;
  worker: { readonly workerId: string; readonly runningCount: number };
  /** Recovers the running tasks of the given dead workers (src/worker/recovery.ts with `deadWorkers`). */
  recoverDead(workerIds: string[]): Promise<void>;
}

/** A worker process's membership in the cluster, as services.ts wires it: join at start, drain, leave at the end. */
export interface ClusterNode {
  /** Says in the next heartbeat (sent now) that this worker takes no new work. */
  drain(): Promise<void>;
  /** Records a clean stop, once the worker has finished or handed back its tasks. */
  leave(): Promise<void>;
}

export async function joinCluster(deps: ClusterNodeDeps): Promise<ClusterNode> {
  const { config, worker } = deps;
  let draining = false;
  const membership = new ClusterMembership({
    registry: new WorkerRegistry(deps.storage.db),
    log: deps.log,
    workerId: worker.workerId,
    heartbeatMs: config.WORKER_HEARTBEAT_SECONDS * 1000,
    deadMs: config.WORKER_DEAD_SECONDS * 1000,
    metricsPort: config.WORKER_METRICS_PORT ?? null,
    load: () => ({ running: worker.runningCount, capacity: config.MAX_CONCURRENT_TASKS, draining }),
    recoverDead: (ids) => deps.recoverDead(ids),
  });
  await membership.start();
  return {
    async drain() {
      draining = true;
      await membership.tick();
    },
    leave: () => membership.stop(),
  };
}

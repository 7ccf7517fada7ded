import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { projectRoot } from '../paths.js';
import { WorkerRegistry, type WorkerLoad } from './worker-registry.js';

export const SERVICE_VERSION: string = (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;

export interface MembershipDeps {
  registry: WorkerRegistry;
  log: Logger;
  workerId: string;
  heartbeatMs: number;
  deadMs: number;
  metricsPort?: number | null;
  /** This worker's load, read at every heartbeat. */
  load(): WorkerLoad;
  /** Recovers the running tasks of workers just found dead (requeued and offered again at once, or failed). */
  recoverDead(workerIds: string[]): Promise<void>;
}

/**
 * A worker process's place in the cluster: it registers, then on every heartbeat writes its load and looks for
 * workers whose heartbeats stopped; each dead worker is marked gone by exactly one live worker, which recovers its
 * tasks. A worker that finds itself marked gone (it was paused, or cut off from the database) carries on: its runs
 * were recovered elsewhere and their fences moved on, so whatever those runs report now is discarded, not recorded.
 */
export class ClusterMembership {
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;

  constructor(private readonly deps: MembershipDeps) {}

  async start(): Promise<void> {
    await this.register();
    this.timer = setInterval(() => void this.tick(), this.deps.heartbeatMs);
    this.timer.unref();
  }

  /** One heartbeat and one sweep (the timer calls it; tests may too). */
  tick(): Promise<void> {
    this.beating ??= this.beatAndSweep()
      .catch((err) => this.deps.log.warn({ err }, 'worker heartbeat failed'))
      .finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async beatAndSweep(): Promise<void> {
    const { registry, workerId, log } = this.deps;
    const beat = await registry.beat(workerId, this.deps.load());
    if (beat === 'was-gone') log.warn({ worker_id: workerId }, 'this worker was presumed dead (no heartbeat in time): its runs were recovered elsewhere, and their late results are discarded');
    if (beat === 'unknown') await this.register(); // its row was deleted by hand
    const dead = await registry.sweepDead(Date.now(), this.deps.deadMs);
    if (dead.length === 0) return;
    log.warn({ workers: dead, dead_after_seconds: this.deps.deadMs / 1000 }, 'workers stopped beating: marked gone, their running tasks recovered');
    await this.deps.recoverDead(dead);
  }

  private async register(): Promise<void> {
    const { registry, workerId } = this.deps;
    await registry.register(
      { worker_id: workerId, host: os.hostname(), pid: process.pid, version: SERVICE_VERSION, started_at: Date.now(), metrics_port: this.deps.metricsPort ?? null },
      this.deps.load(),
    );
  }

  /** A clean stop, once the worker has finished or handed back its tasks. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.beating;
    await this.deps.registry.markStopped(this.deps.workerId).catch((err) => this.deps.log.warn({ err }, 'could not record that this worker stopped'));
  }
}

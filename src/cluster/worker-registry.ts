import type { Kysely } from 'kysely';
import type { Database, WorkerRow } from '../storage/schema.js';

export type WorkerState = 'live' | 'draining' | 'gone';

/** What a worker says about itself in each heartbeat. */
export interface WorkerLoad {
  running: number;
  capacity: number;
  draining: boolean;
}

export interface WorkerIdentity {
  worker_id: string;
  host: string;
  pid: number;
  version: string;
  started_at: number;
  metrics_port: number | null;
}

/**
 * A worker is gone once it said so (a clean stop) or once its last heartbeat is older than `deadMs`, whether or not
 * a sweep has marked it yet: every reader decides the same way from the same row.
 */
export function workerState(row: WorkerRow, now: number, deadMs: number): WorkerState {
  if (row.gone_at !== null || Number(row.last_seen_at) < now - deadMs) return 'gone';
  return row.draining ? 'draining' : 'live';
}

/** The workers table: registration, heartbeats, and finding the dead (src/cluster/membership.ts drives it). */
export class WorkerRegistry {
  constructor(private readonly db: Kysely<Database>) {}

  async register(who: WorkerIdentity, load: WorkerLoad, now = Date.now()): Promise<void> {
    const row = { ...who, last_seen_at: now, running: load.running, capacity: load.capacity, draining: load.draining ? 1 : 0, gone_at: null, gone_reason: null };
    await this.db
      .insertInto('workers')
      .values(row)
      .onConflict((oc) => oc.column('worker_id').doUpdateSet(row))
      .execute();
  }

  /**
   * Writes the heartbeat. `was-gone`: the row said the worker was gone (presumed dead, e.g. paused past
   * WORKER_DEAD_SECONDS, and its runs recovered elsewhere); it is live again from now on. `unknown`: no row.
   */
  async beat(workerId: string, load: WorkerLoad, now = Date.now()): Promise<'ok' | 'was-gone' | 'unknown'> {
    const before = await this.db.selectFrom('workers').select('gone_at').where('worker_id', '=', workerId).executeTakeFirst();
    if (!before) return 'unknown';
    await this.db
      .updateTable('workers')
      .set({ last_seen_at: now, running: load.running, capacity: load.capacity, draining: load.draining ? 1 : 0, gone_at: null, gone_reason: null })
      .where('worker_id', '=', workerId)
      .execute();
    return before.gone_at === null ? 'ok' : 'was-gone';
  }

  /** A clean stop: the worker has finished or handed back its tasks. */
  async markStopped(workerId: string, now = Date.now()): Promise<void> {
    await this.db.updateTable('workers').set({ gone_at: now, gone_reason: 'stopped', running: 0, draining: 0 }).where('worker_id', '=', workerId).execute();
  }

  /**
   * Marks gone every worker not seen since `now - deadMs` and returns their ids. Each is returned to one caller only
   * (the update is conditional), so the worker that finds a dead one is the one that recovers its tasks.
   */
  async sweepDead(now: number, deadMs: number): Promise<string[]> {
    const stale = await this.db
      .selectFrom('workers')
      .select('worker_id')
      .where('gone_at', 'is', null)
      .where('last_seen_at', '<', now - deadMs)
      .execute();
    const dead: string[] = [];
    for (const { worker_id } of stale) {
      const res = await this.db
        .updateTable('workers')
        .set({ gone_at: now, gone_reason: `no heartbeat for ${Math.round(deadMs / 1000)} s` })
        .where('worker_id', '=', worker_id)
        .where('gone_at', 'is', null)
        .where('last_seen_at', '<', now - deadMs)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) > 0) dead.push(worker_id);
    }
    return dead;
  }

  /** Every worker, newest first; gone ones only from the last `keepGoneMs` (a long-lived cluster has many). */
  list(now = Date.now(), keepGoneMs = 24 * 3600_000): Promise<WorkerRow[]> {
    return this.db
      .selectFrom('workers')
      .selectAll()
      .where('last_seen_at', '>=', now - keepGoneMs)
      .orderBy('started_at', 'desc')
      .orderBy('worker_id')
      .execute();
  }
}

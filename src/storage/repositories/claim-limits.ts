import { type Kysely, SqliteAdapter, sql } from 'kysely';
import type { Database } from '../schema.js';

/**
 * Limits a claim enforces across every worker (counted in the database under one lock, so workers joining and
 * leaving cannot push past them). Unset: no limit.
 */
export interface ClaimLimits {
  /** Running tasks in the whole cluster (GLOBAL_MAX_CONCURRENT_TASKS). */
  global?: number;
  /** Running tasks per requester (FAIR_SHARE_MAX_PER_REQUESTER); tasks without a requester are not limited. */
  perRequester?: number;
  /** Running tasks per source, e.g. per provider (FAIR_SHARE_MAX_PER_SOURCE). */
  perSource?: number;
}

/**
 * Which limit a claim of `task` would pass, if any. Under the global limit, a task interrupted mid-run and queued again
 * (a dead worker's, recovered; a draining worker's, handed back: `attempts` > 0) keeps its slot: new work is refused
 * while such tasks wait, so they run again first, whatever their place in the queue. On PostgreSQL a transaction-scoped advisory lock (one per schema)
 * serialises the count and the claim across every worker; SQLite runs one write transaction at a time anyway.
 */
export async function overLimit(trx: Kysely<Database>, task: { requester: string | null; source: string; attempts: number }, limits: ClaimLimits): Promise<string | undefined> {
  if (!(trx.getExecutor().adapter instanceof SqliteAdapter)) {
    await sql`select pg_advisory_xact_lock(hashtext('cca.claim.' || current_schema()))`.execute(trx);
  }
  const running = (where?: { column: 'requester' | 'source'; value: string }) => {
    let q = trx.selectFrom('tasks').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'running');
    if (where) q = q.where(where.column, '=', where.value);
    return q.executeTakeFirstOrThrow().then((r) => Number(r.n));
  };
  if (limits.global && (await running()) + (Number(task.attempts) > 0 ? 0 : await interrupted(trx)) >= limits.global) return `GLOBAL_MAX_CONCURRENT_TASKS (${limits.global})`;
  if (limits.perRequester && task.requester && (await running({ column: 'requester', value: task.requester })) >= limits.perRequester) {
    return `FAIR_SHARE_MAX_PER_REQUESTER (${limits.perRequester}) for ${task.requester}`;
  }
  if (limits.perSource && (await running({ column: 'source', value: task.source })) >= limits.perSource) {
    return `FAIR_SHARE_MAX_PER_SOURCE (${limits.perSource}) for ${task.source}`;
  }
  return undefined;
}

/** Tasks interrupted mid-run and waiting to run again (not cancelled meanwhile). */
async function interrupted(trx: Kysely<Database>): Promise<number> {
  const r = await trx
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'queued')
    .where('attempts', '>', 0)
    .where('cancel_requested', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

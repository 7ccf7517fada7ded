import { CompiledQuery, type Kysely, sql } from 'kysely';
import { binOf, DURATION_BIN_COLUMNS, DURATION_BOUNDS_MS } from '../domain/duration-histogram.js';
import type { Database, TaskRow } from './schema.js';

/**
 * Rollups: finished tasks summed per (granularity, dimension, key, bucket), so analytics over a million tasks read a
 * few thousand rows at most. A task is added once, in the transaction of its final transition (which the status machine lets
 * happen exactly once), by `INSERT … ON CONFLICT DO UPDATE SET col = col + excluded.col`: the database applies each
 * increment atomically, so concurrent finishes never lose one another's figures, and the rollup commits or rolls
 * back together with the task's status. Tasks are bucketed by `created_at` (UTC), like the ledger's from/to.
 */
export const ROLLUP_DIMS = {
  all: null,
  agent: 'assigned_agent',
  model: 'model',
  source: 'source',
  requester: 'requester',
  rule: 'rule',
  outcome: 'outcome',
} as const;
export type RollupDim = keyof typeof ROLLUP_DIMS;

/** `month` (UTC calendar months) exists to rank the keys of a long range from a few rows. */
export type Granularity = 'hour' | 'day' | 'month' | 'total';
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
const GRANULARITIES: Granularity[] = ['hour', 'day', 'month', 'total'];
const FINAL = ['completed', 'failed', 'cancelled'];

export function bucketStart(granularity: Granularity, ms: number): number {
  if (granularity === 'total') return 0;
  if (granularity === 'month') {
    const d = new Date(ms);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const size = granularity === 'hour' ? HOUR_MS : DAY_MS;
  return ms - (((ms % size) + size) % size);
}

/** The start of the month after the one `ms` is in. */
export function nextMonth(ms: number): number {
  const d = new Date(bucketStart('month', ms));
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Columns added up on conflict; `duration_max_ms` keeps the larger value instead. */
export const SUM_COLUMNS = [
  'tasks',
  'successes',
  'failures',
  'cost_usd',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'num_turns',
  'duration_count',
  'duration_sum_ms',
  ...DURATION_BIN_COLUMNS,
] as const;
const KEY_COLUMNS = ['granularity', 'dim', 'key', 'bucket'] as const;
const ALL_COLUMNS = [...KEY_COLUMNS, ...SUM_COLUMNS, 'duration_max_ms'] as const;

const refs = (cols: readonly string[]) => sql.join(cols.map((c) => sql.ref(c)));

/** The key of a task in one dimension ('' when the task has no value there). */
export function rollupKey(task: TaskRow, dim: RollupDim): string {
  const column = ROLLUP_DIMS[dim];
  return column === null ? '' : ((task[column] as string | null) ?? '');
}

/**
 * Adds one finished task to every rollup row it belongs to, in one statement. Rows are written in a fixed order
 * (granularity, then dimension), so concurrent finishes on PostgreSQL take the row locks in the same order and cannot
 * deadlock one another. Call it inside the transaction that makes the task final.
 */
export async function addToRollups(db: Kysely<Database>, task: TaskRow): Promise<void> {
  const duration = task.duration_ms === null ? null : Number(task.duration_ms);
  const bin = duration === null ? -1 : binOf(duration);
  const figures = [
    1,
    task.outcome === 'success' ? 1 : 0,
    task.status === 'failed' ? 1 : 0,
    Number(task.cost_usd ?? 0),
    Number(task.input_tokens ?? 0),
    Number(task.output_tokens ?? 0),
    Number(task.cache_read_tokens ?? 0),
    Number(task.cache_creation_tokens ?? 0),
    Number(task.num_turns ?? 0),
    duration === null ? 0 : 1,
    duration ?? 0,
    ...DURATION_BIN_COLUMNS.map((_, i) => (i === bin ? 1 : 0)),
    duration ?? 0,
  ];
  const values: unknown[] = [];
  for (const granularity of GRANULARITIES) {
    const bucket = bucketStart(granularity, Number(task.created_at));
    for (const dim of Object.keys(ROLLUP_DIMS) as RollupDim[]) values.push(granularity, dim, rollupKey(task, dim), bucket, ...figures);
  }
  await db.executeQuery(CompiledQuery.raw(upsertText(db, figures.length), values));
}

/**
 * The statement's text, built once per database: its shape never changes (a row per granularity and dimension), and
 * building its 28 rows of 40 values with Kysely for every finished task cost more than running it.
 */
const upsertTexts = new WeakMap<object, string>();
function upsertText(db: Kysely<Database>, figureCount: number): string {
  const adapter = db.getExecutor().adapter;
  let text = upsertTexts.get(adapter);
  if (text === undefined) {
    const row = sql`(${sql.join(Array.from({ length: KEY_COLUMNS.length + figureCount }, () => 0))})`;
    const rows = Array.from({ length: GRANULARITIES.length * Object.keys(ROLLUP_DIMS).length }, () => row);
    text = sql`insert into task_rollups (${refs(ALL_COLUMNS)}) values ${sql.join(rows)}
    on conflict (granularity, dim, key, bucket) do update set
    ${sql.join(SUM_COLUMNS.map((c) => sql`${sql.ref(c)} = task_rollups.${sql.ref(c)} + excluded.${sql.ref(c)}`))},
    duration_max_ms = case when excluded.duration_max_ms > task_rollups.duration_max_ms
      then excluded.duration_max_ms else task_rollups.duration_max_ms end`.compile(db).sql;
    upsertTexts.set(adapter, text);
  }
  return text;
}

/**
 * Recomputes every rollup row from the tasks table (hour rows from tasks, then day rows from hours, months and totals
 * from days). For a database seeded behind the service's back (the benchmark) and for checking the increments.
 */
export async function rebuildRollups(db: Kysely<Database>): Promise<void> {
  const bins = DURATION_BIN_COLUMNS.map((_, i) => {
    const lower = i === 0 ? null : DURATION_BOUNDS_MS[i - 1]!;
    const upper = DURATION_BOUNDS_MS[i] ?? null;
    const conditions = [sql`duration_ms is not null`];
    if (lower !== null) conditions.push(sql`duration_ms > ${sql.lit(lower)}`);
    if (upper !== null) conditions.push(sql`duration_ms <= ${sql.lit(upper)}`);
    return sql`sum(case when ${sql.join(conditions, sql` and `)} then 1 else 0 end)`;
  });
  await db.transaction().execute(async (trx) => {
    await sql`delete from task_rollups`.execute(trx);
    for (const [dim, column] of Object.entries(ROLLUP_DIMS)) {
      const key = column === null ? sql`''` : sql`coalesce(${sql.ref(column)}, '')`;
      await sql`insert into task_rollups (${refs(ALL_COLUMNS)})
        select 'hour', ${sql.lit(dim)}, ${key}, created_at - created_at % ${sql.lit(HOUR_MS)},
          count(*),
          sum(case when outcome = 'success' then 1 else 0 end),
          sum(case when status = 'failed' then 1 else 0 end),
          coalesce(sum(cost_usd), 0), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
          coalesce(sum(cache_read_tokens), 0), coalesce(sum(cache_creation_tokens), 0), coalesce(sum(num_turns), 0),
          count(duration_ms), coalesce(sum(duration_ms), 0),
          ${sql.join(bins)},
          coalesce(max(duration_ms), 0)
        from tasks where status in (${sql.join(FINAL)})
        group by created_at - created_at % ${sql.lit(HOUR_MS)}${column === null ? sql`` : sql`, ${key}`}`.execute(trx);
    }
    const sums = sql.join(SUM_COLUMNS.map((c) => sql`sum(${sql.ref(c)})`));
    await sql`insert into task_rollups (${refs(ALL_COLUMNS)})
      select 'day', dim, key, bucket - bucket % ${sql.lit(DAY_MS)}, ${sums}, max(duration_max_ms)
      from task_rollups where granularity = 'hour' group by dim, bucket - bucket % ${sql.lit(DAY_MS)}, key`.execute(trx);
    const span = await sql<{ lo: number | null; hi: number | null }>`select min(bucket) as lo, max(bucket) as hi from task_rollups where granularity = 'day'`.execute(trx);
    const { lo, hi } = span.rows[0] ?? { lo: null, hi: null };
    if (lo !== null && hi !== null) {
      // Calendar months differ in length: each day maps to its month's start through a CASE over the months seen.
      const starts: number[] = [];
      for (let m = bucketStart('month', Number(lo)); m <= Number(hi); m = nextMonth(m)) starts.push(m);
      const month = sql`case ${sql.join(starts.map((m) => sql`when bucket < ${sql.lit(nextMonth(m))} then ${sql.lit(m)}`), sql` `)} end`;
      await sql`insert into task_rollups (${refs(ALL_COLUMNS)})
        select 'month', dim, key, ${month}, ${sums}, max(duration_max_ms)
        from task_rollups where granularity = 'day' group by dim, key, ${month}`.execute(trx);
    }
    await sql`insert into task_rollups (${refs(ALL_COLUMNS)})
      select 'total', dim, key, 0, ${sums}, max(duration_max_ms)
      from task_rollups where granularity = 'day' group by dim, key`.execute(trx);
  });
}

import { type Kysely, sql } from 'kysely';
import { DURATION_BIN_COLUMNS } from '../../domain/duration-histogram.js';
import { type Granularity, type RollupDim, SUM_COLUMNS } from '../rollups.js';
import type { Database } from '../schema.js';
import { type Figures, packedRows, readPackedRows, ZERO_FIGURES } from './packed-rollups.js';

export { type Figures, ZERO_FIGURES } from './packed-rollups.js';

/** The key that stands for every key beyond the top N of a grouped series. */
export const OTHER_KEY = '(other)';

// The figures of a group of rollup rows. The 24 histogram bins come back as one comma-separated text value: a row of
// 36 separate values costs the SQLite driver several times more to hand over than the arithmetic costs to do.
const FIGURE_COLUMNS = SUM_COLUMNS.filter((c) => !(DURATION_BIN_COLUMNS as readonly string[]).includes(c));
const SUMS = [
  ...FIGURE_COLUMNS.map((c) => sql`sum(${sql.ref(c)})`.as(c)),
  sql`max(duration_max_ms)`.as('duration_max_ms'),
  sql<string>`${sql.join(
    DURATION_BIN_COLUMNS.map((c) => sql`cast(sum(${sql.ref(c)}) as text)`),
    sql` || ',' || `,
  )}`.as('bins'),
];

function figures(row: Record<string, unknown>): Figures {
  const n = (c: string) => Number(row[c] ?? 0);
  const bins = typeof row.bins === 'string' ? row.bins.split(',').map(Number) : DURATION_BIN_COLUMNS.map(() => 0);
  return {
    tasks: n('tasks'),
    successes: n('successes'),
    failures: n('failures'),
    cost_usd: n('cost_usd'),
    input_tokens: n('input_tokens'),
    output_tokens: n('output_tokens'),
    cache_read_tokens: n('cache_read_tokens'),
    cache_creation_tokens: n('cache_creation_tokens'),
    num_turns: n('num_turns'),
    duration_count: n('duration_count'),
    duration_sum_ms: n('duration_sum_ms'),
    duration_max_ms: n('duration_max_ms'),
    bins,
  };
}

const COUNTS = ['tasks', 'successes', 'failures', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'num_turns', 'duration_count', 'duration_sum_ms'] as const;

/** Adds b into a (a sum of some keys' rows of one bucket, built here): no new objects per row. */
function addInto(a: Figures, b: Figures): void {
  for (const c of COUNTS) a[c] += b[c];
  a.cost_usd += b.cost_usd;
  a.duration_max_ms = Math.max(a.duration_max_ms, b.duration_max_ms);
  for (let i = 0; i < a.bins.length; i++) a.bins[i]! += b.bins[i] ?? 0;
}

/** Takes b out of a, in place, field by field: what is left of a group once some of its members are taken out. */
function takeOut(a: Figures, b: Figures): void {
  for (const c of COUNTS) a[c] = Math.max(0, a[c] - b[c]);
  // Float sums differ in their last bits depending on the order they were added in. Max stays a's, a bound.
  a.cost_usd = Math.max(0, Math.round((a.cost_usd - b.cost_usd) * 1e9) / 1e9);
  for (let i = 0; i < a.bins.length; i++) a.bins[i] = Math.max(0, a.bins[i]! - (b.bins[i] ?? 0));
}

export interface RangeQuery {
  granularity: Granularity;
  dim: RollupDim;
  /** Bucket starts in [from, to); omitted for the `total` granularity. */
  from?: number;
  to?: number;
}

/** Reads over the rollups (src/storage/rollups.ts) and the few small live counts analytics need. */
export class AnalyticsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private rollups(q: RangeQuery) {
    let query = this.db.selectFrom('task_rollups').where('granularity', '=', q.granularity).where('dim', '=', q.dim);
    if (q.from !== undefined) query = query.where('bucket', '>=', q.from);
    if (q.to !== undefined) query = query.where('bucket', '<', q.to);
    return query;
  }

  /** One dimension's figures per key over a range, most expensive first. */
  async byKey(q: RangeQuery): Promise<Array<{ key: string; figures: Figures }>> {
    const rows = await this.rollups(q).select('key').select(SUMS).groupBy('key').execute();
    return rows
      .map((r) => ({ key: r.key, figures: figures(r as Record<string, unknown>) }))
      .sort((a, b) => b.figures.cost_usd - a.figures.cost_usd || b.figures.tasks - a.figures.tasks || a.key.localeCompare(b.key));
  }

  /** Figures of one key (all keys summed when `key` is omitted) over a range. */
  async sum(q: RangeQuery & { key?: string }): Promise<Figures> {
    let query = this.rollups(q);
    if (q.key !== undefined) query = query.where('key', '=', q.key);
    const row = await query.select(SUMS).executeTakeFirst();
    return row ? figures(row as Record<string, unknown>) : ZERO_FIGURES;
  }

  /**
   * The keys of a dimension ranked by cost (then tasks, then key) over a range, at most `limit`. Reads only the
   * task_rollups_by_key index, whose entries carry cost and tasks.
   */
  async rank(q: RangeQuery & { limit: number }): Promise<string[]> {
    const rows = await this.rollups(q)
      .select(['key', sql<number>`sum(cost_usd)`.as('cost'), sql<number>`sum(tasks)`.as('n')])
      .groupBy('key')
      .orderBy(sql`sum(cost_usd)`, 'desc')
      .orderBy(sql`sum(tasks)`, 'desc')
      .orderBy('key')
      .limit(q.limit)
      .execute();
    return rows.map((r) => r.key);
  }

  /**
   * Figures per bucket and key over a range, for the given keys of a dimension (or for `all`), each row handed to
   * `each` with figures valid only during the call (one object is filled anew for every row: copy what you keep).
   * With `other`, a series OTHER_KEY holds every other key: the `all` row of each bucket less the named keys' rows,
   * so it is exact without reading the other keys' rows at all. Each query answers its rows as one text (see
   * packed-rollups.ts).
   */
  async series(q: RangeQuery & { keys: string[]; other: boolean }, each: (bucket: number, key: string, figures: Figures) => void): Promise<void> {
    const read = async (query: ReturnType<AnalyticsRepository['rollups']>, keys: string[] | null) =>
      (await query.select(packedRows(keys).as('rows')).executeTakeFirst())?.rows;
    const { keys } = q;
    const reading = q.dim === 'all' || q.other;
    // The `all` rows do not depend on the named ones: on PostgreSQL both queries run at once, on two connections.
    const [named, whole] = await Promise.all([
      q.dim !== 'all' && keys.length ? read(this.rollups(q).where('key', 'in', keys), keys) : undefined,
      reading ? read(this.rollups({ ...q, dim: 'all' }), null) : undefined,
    ]);
    // With `other`: the named keys' figures summed per bucket, to take out of the bucket's `all` row.
    const sums = new Map<number, Figures>();
    readPackedRows(named, (bucket, k, figures) => {
      each(bucket, keys[k]!, figures);
      if (!q.other) return;
      const sum = sums.get(bucket);
      if (sum) addInto(sum, figures);
      else sums.set(bucket, { ...figures, bins: [...figures.bins] });
    });
    if (!reading) return;
    readPackedRows(whole, (bucket, _, all) => {
      if (q.dim === 'all') return each(bucket, '', all);
      const taken = sums.get(bucket);
      if (taken) takeOut(all, taken);
      if (all.tasks > 0) each(bucket, OTHER_KEY, all);
    });
  }

  /**
   * Tasks not finished yet (they are not in the rollups): how many are in each live status, and how many of those
   * were created since `since`. Served by the status index, whose live part is small.
   */
  async unfinished(since: number): Promise<{ waiting_approval: number; queued: number; running: number; total: number; since: number }> {
    const rows = await this.db
      .selectFrom('tasks')
      .select(['status', sql<number>`count(*)`.as('n'), sql<number>`sum(case when created_at >= ${since} then 1 else 0 end)`.as('recent')])
      .where('status', 'in', ['waiting_approval', 'queued', 'running'])
      .groupBy('status')
      .execute();
    const by = Object.fromEntries(rows.map((r) => [r.status, { n: Number(r.n), recent: Number(r.recent ?? 0) }]));
    const count = (s: string) => by[s]?.n ?? 0;
    return {
      waiting_approval: count('waiting_approval'),
      queued: count('queued'),
      running: count('running'),
      total: rows.reduce((a, r) => a + Number(r.n), 0),
      since: rows.reduce((a, r) => a + Number(r.recent ?? 0), 0),
    };
  }

  /**
   * Tasks by status without counting the tasks table: live statuses from the status index, final ones from the
   * all-time rollups (a finished task is `failed`, `cancelled` — outcome cancelled — or else `completed`).
   */
  async countByStatus(): Promise<Record<string, number>> {
    const [live, all, cancelled] = await Promise.all([
      this.unfinished(0),
      this.sum({ granularity: 'total', dim: 'all' }),
      this.sum({ granularity: 'total', dim: 'outcome', key: 'cancelled' }),
    ]);
    return {
      waiting_approval: live.waiting_approval,
      queued: live.queued,
      running: live.running,
      completed: Math.max(0, all.tasks - all.failures - cancelled.tasks),
      failed: all.failures,
      cancelled: cancelled.tasks,
    };
  }

  /** The most expensive conversations (their running totals are kept on the row as tasks finish). */
  topConversations(limit: number) {
    return this.db
      .selectFrom('conversations')
      .select(['conversation_id', 'title', 'source', 'task_count', 'total_cost_usd', 'updated_at', 'archived'])
      .orderBy('total_cost_usd', 'desc')
      .orderBy('conversation_id', 'desc')
      .limit(limit)
      .execute();
  }

  /** Webhook deliveries by provider and outcome (an index-only scan of webhook_events_provider_outcome). */
  /** Deliveries by provider and outcome; unsigned ones from their counters, since only the newest few rows are kept. */
  async webhookDeliveries(): Promise<Array<{ provider: string; outcome: string; n: number }>> {
    const rows = await this.db
      .selectFrom('webhook_events')
      .select(['provider', 'outcome', sql<number>`count(*)`.as('n')])
      .where('verified', '=', 1)
      .groupBy(['provider', 'outcome'])
      .execute();
    const unverified = await this.db.selectFrom('webhook_unverified_counts').select(['provider', 'n']).execute();
    return [
      ...rows.map((r) => ({ provider: r.provider, outcome: r.outcome, n: Number(r.n) })),
      ...unverified.map((r) => ({ provider: r.provider, outcome: 'verification_failed', n: Number(r.n) })),
    ];
  }
}

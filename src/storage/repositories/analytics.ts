import { type Kysely, type RawBuilder, sql } from 'kysely';
import { DURATION_BIN_COLUMNS } from '../../domain/duration-histogram.js';
import { type Granularity, type RollupDim, SUM_COLUMNS } from '../rollups.js';
import type { Database } from '../schema.js';

/** The key that stands for every key beyond the top N of a grouped series. */
export const OTHER_KEY = '(other)';

/** Summed rollup figures: finished tasks and what they cost, with their duration histogram. */
export interface Figures {
  tasks: number;
  successes: number;
  failures: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  num_turns: number;
  duration_count: number;
  duration_sum_ms: number;
  duration_max_ms: number;
  bins: number[];
}

export const ZERO_FIGURES: Figures = {
  tasks: 0,
  successes: 0,
  failures: 0,
  cost_usd: 0,
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
  num_turns: 0,
  duration_count: 0,
  duration_sum_ms: 0,
  duration_max_ms: 0,
  bins: DURATION_BIN_COLUMNS.map(() => 0),
};

const SUMS = [...SUM_COLUMNS.map((c) => sql`sum(${sql.ref(c)})`.as(c)), sql`max(duration_max_ms)`.as('duration_max_ms')];

function figures(row: Record<string, unknown>): Figures {
  const n = (c: string) => Number(row[c] ?? 0);
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
    bins: DURATION_BIN_COLUMNS.map((c) => n(c)),
  };
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
   * Figures per bucket and key over a range. Keys beyond the `top` most expensive in the range are summed under
   * OTHER_KEY, so a chart gets a bounded number of series whose sum is still the whole. Returns the series keys in
   * order (most expensive first, OTHER_KEY last).
   */
  async series(q: RangeQuery & { top: number }): Promise<{ keys: string[]; rows: Array<{ bucket: number; key: string; figures: Figures }> }> {
    const ranked = await this.rollups(q)
      .select(['key', sql<number>`sum(cost_usd)`.as('cost'), sql<number>`sum(tasks)`.as('n')])
      .groupBy('key')
      .orderBy(sql`sum(cost_usd)`, 'desc')
      .orderBy(sql`sum(tasks)`, 'desc')
      .orderBy('key')
      .limit(q.top + 1)
      .execute();
    const overflow = ranked.length > q.top;
    const keys = ranked.slice(0, q.top).map((r) => r.key);
    const keyExpr: RawBuilder<string> = overflow ? sql<string>`case when key in (${sql.join(keys)}) then key else ${OTHER_KEY} end` : sql<string>`key`;
    const rows = await this.rollups(q)
      .select([sql<number>`bucket`.as('bucket'), keyExpr.as('k')])
      .select(SUMS)
      // By the output name: PostgreSQL would not match a repeated expression with parameters of its own.
      .groupBy([sql`bucket`, sql`k`])
      .execute();
    return {
      keys: overflow ? [...keys, OTHER_KEY] : keys,
      rows: rows.map((r) => ({ bucket: Number(r.bucket), key: String(r.k), figures: figures(r as Record<string, unknown>) })),
    };
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
  async webhookDeliveries(): Promise<Array<{ provider: string; outcome: string; n: number }>> {
    const rows = await this.db
      .selectFrom('webhook_events')
      .select(['provider', 'outcome', sql<number>`count(*)`.as('n')])
      .groupBy(['provider', 'outcome'])
      .execute();
    return rows.map((r) => ({ provider: r.provider, outcome: r.outcome, n: Number(r.n) }));
  }
}

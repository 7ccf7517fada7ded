import { type Expression, type Kysely, type SqlBool, SqliteAdapter, sql } from 'kysely';
import type { LedgerOrder, LedgerSort } from '../../contracts/ledger.js';
import type { Database } from '../schema.js';
import type { LedgerPosition } from './cursor.js';

export type { LedgerOrder, LedgerPosition, LedgerSort };

export interface LedgerFilter {
  status?: string[];
  outcome?: string[];
  source?: string;
  agent?: string;
  model?: string;
  requester?: string;
  rule?: string;
  conversation_id?: string;
  /** created_at in [from, to) */
  from?: number;
  to?: number;
}

export interface LedgerQuery extends LedgerFilter {
  sort: LedgerSort;
  order: LedgerOrder;
  limit: number;
  after?: LedgerPosition;
}

export interface LedgerRow {
  task_id: string;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  model: string | null;
  agent: string | null;
  source: string;
  requester: string | null;
  rule: string | null;
  status: string;
  outcome: string | null;
  duration_ms: number | null;
  num_turns: number;
  conversation_id: string | null;
}

// The sort keys exactly as the migration indexed them; a null duration sorts as -1.
const SORT_EXPR: Record<LedgerSort, Expression<number>> = {
  created_at: sql<number>`created_at`,
  cost_usd: sql<number>`cost_usd`,
  duration_ms: sql<number>`coalesce(duration_ms, -1)`,
};

/**
 * One row per task for the ledger, in keyset pages: the sort key and task_id (the tie-break) of the last row are the
 * cursor, so a page deep in a million rows is an index seek, and rows with equal sort values are neither skipped nor
 * repeated.
 */
export class LedgerRepository {
  private readonly sqlite: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  }

  /** The sort value of a row, as the next page's position compares it. */
  static position(row: LedgerRow, sort: LedgerSort): LedgerPosition {
    const value = sort === 'created_at' ? row.created_at : sort === 'cost_usd' ? row.cost_usd : (row.duration_ms ?? -1);
    return { value, task_id: row.task_id };
  }

  async page(q: LedgerQuery): Promise<{ rows: LedgerRow[]; more: boolean }> {
    const key = SORT_EXPR[q.sort];
    let query = this.db
      .selectFrom('tasks')
      .select([
        'task_id',
        'created_at',
        'started_at',
        'completed_at',
        'cost_usd',
        'input_tokens',
        'output_tokens',
        'cache_read_tokens',
        'cache_creation_tokens',
        'model',
        'assigned_agent as agent',
        'source',
        'requester',
        'rule',
        'status',
        'outcome',
        'duration_ms',
        'num_turns',
        'conversation_id',
      ]);
    // SQLite plans without statistics: given an index on a filter column it takes it and then sorts every match,
    // which for a common value (source=github: a fifth of the table) or a list (outcome=budget,timeout) is far
    // slower than walking the sort's own index and skipping rows that do not match. A unary + keeps it off the filter's
    // index where walking is the better plan; rare values (a rule, a conversation, most requesters) keep their index.
    // PostgreSQL has statistics and chooses for itself.
    const walk = (values: number) => this.sqlite && (q.sort !== 'created_at' || values > 1);
    const common = (column: 'status' | 'outcome' | 'source' | 'assigned_agent' | 'model', values: string[] | undefined) => {
      if (!values?.length) return;
      const ref = walk(values.length) ? sql`+${sql.ref(column)}` : sql.ref(column);
      query = query.where(values.length === 1 ? sql<SqlBool>`${ref} = ${values[0]}` : sql<SqlBool>`${ref} in (${sql.join(values)})`);
    };
    common('status', q.status);
    common('outcome', q.outcome);
    common('source', q.source === undefined ? undefined : [q.source]);
    common('assigned_agent', q.agent === undefined ? undefined : [q.agent]);
    common('model', q.model === undefined ? undefined : [q.model]);
    if (q.requester !== undefined) {
      const ref = this.sqlite && q.sort !== 'created_at' && (await this.busy(q.requester)) ? sql`+requester` : sql.ref('requester');
      query = query.where(sql<SqlBool>`${ref} = ${q.requester}`);
    }
    if (q.rule !== undefined) query = query.where('rule', '=', q.rule);
    if (q.conversation_id !== undefined) query = query.where('conversation_id', '=', q.conversation_id);
    if (q.from !== undefined) query = query.where('created_at', '>=', q.from);
    if (q.to !== undefined) query = query.where('created_at', '<', q.to);
    if (q.after) {
      // A row-value comparison: both dialects seek the (sort key, task_id) index to it directly.
      const op = sql.raw(q.order === 'desc' ? '<' : '>');
      query = query.where(sql<SqlBool>`(${key}, task_id) ${op} (${q.after.value}, ${q.after.task_id})`);
    }
    const rows = await query
      .orderBy(key, q.order)
      .orderBy('task_id', q.order)
      .limit(q.limit + 1)
      .execute();
    return {
      rows: rows.slice(0, q.limit).map((r) => ({
        ...r,
        created_at: Number(r.created_at),
        started_at: r.started_at === null ? null : Number(r.started_at),
        completed_at: r.completed_at === null ? null : Number(r.completed_at),
        cost_usd: Number(r.cost_usd),
        input_tokens: Number(r.input_tokens),
        output_tokens: Number(r.output_tokens),
        cache_read_tokens: Number(r.cache_read_tokens),
        cache_creation_tokens: Number(r.cache_creation_tokens),
        duration_ms: r.duration_ms === null ? null : Number(r.duration_ms),
        num_turns: Number(r.num_turns),
      })),
      more: rows.length > q.limit,
    };
  }

  /**
   * Whether a requester asked for so large a share of the tasks (1 % or more, by the all-time rollups: two primary-key
   * reads) that walking the sort's index and skipping the others' rows beats taking the requester's index and sorting
   * every one of their tasks: the busiest requester of a million tasks has 150,000 of them to sort, a rare one few.
   */
  private async busy(requester: string): Promise<boolean> {
    const rows = await this.db
      .selectFrom('task_rollups')
      .select(['dim', 'tasks'])
      .where('granularity', '=', 'total')
      .where((eb) => eb.or([eb.and([eb('dim', '=', 'all'), eb('key', '=', '')]), eb.and([eb('dim', '=', 'requester'), eb('key', '=', requester)])]))
      .execute();
    const all = Number(rows.find((r) => r.dim === 'all')?.tasks ?? 0);
    const mine = Number(rows.find((r) => r.dim === 'requester')?.tasks ?? 0);
    return all > 0 && mine * 100 >= all;
  }

  /** Every row of the filtered set, a page at a time (for the CSV export): memory stays at one page. */
  async *all(q: Omit<LedgerQuery, 'limit' | 'after'>, pageSize = 1000): AsyncGenerator<LedgerRow[]> {
    let after: LedgerPosition | undefined;
    for (;;) {
      const page = await this.page({ ...q, limit: pageSize, after });
      if (page.rows.length) yield page.rows;
      if (!page.more) return;
      after = LedgerRepository.position(page.rows.at(-1)!, q.sort);
    }
  }
}

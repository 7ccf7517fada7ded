import { type Kysely, SqliteAdapter, sql } from 'kysely';

// Frozen copies of what this migration creates (a later change to the rollups ships its own migration): the rollup
// dimensions and the upper bounds (ms) of the duration bins d00…d23 (d23 is open-ended).
const DIMS: Record<string, string | null> = {
  all: null,
  agent: 'assigned_agent',
  model: 'model',
  source: 'source',
  requester: 'requester',
  rule: 'rule',
  outcome: 'outcome',
};
const BOUNDS = [
  1_000, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 45_000, 60_000, 90_000, 120_000, 180_000, 300_000,
  450_000, 600_000, 900_000, 1_200_000, 1_800_000, 2_700_000, 3_600_000, 7_200_000,
];
const BINS = Array.from({ length: BOUNDS.length + 1 }, (_, i) => `d${String(i).padStart(2, '0')}`);
const COUNTERS = ['tasks', 'successes', 'failures'];
const TOKENS = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'num_turns'];

export async function up(db: Kysely<any>): Promise<void> {
  let rollups = db.schema
    .createTable('task_rollups')
    .addColumn('granularity', 'text', (c) => c.notNull())
    .addColumn('dim', 'text', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull());
  for (const c of COUNTERS) rollups = rollups.addColumn(c, 'integer', (col) => col.notNull().defaultTo(0));
  rollups = rollups.addColumn('cost_usd', 'double precision', (c) => c.notNull().defaultTo(0));
  for (const c of [...TOKENS, 'duration_count', 'duration_sum_ms', 'duration_max_ms']) {
    rollups = rollups.addColumn(c, 'bigint', (col) => col.notNull().defaultTo(0));
  }
  for (const c of BINS) rollups = rollups.addColumn(c, 'integer', (col) => col.notNull().defaultTo(0));
  // A chart reads one key's buckets in a row (a series, or the `all` key): on SQLite the table is stored in this
  // order (WITHOUT ROWID), so that is one sequential read instead of a lookup per row.
  rollups = rollups.addPrimaryKeyConstraint('task_rollups_pk', ['granularity', 'dim', 'key', 'bucket']);
  if (db.getExecutor().adapter instanceof SqliteAdapter) rollups = rollups.modifyEnd(sql`without rowid`);
  await rollups.execute();
  // Ranking the keys of a dimension over a bucket range reads this index alone (cost and tasks ride along).
  await db.schema.createIndex('task_rollups_rank').on('task_rollups').columns(['granularity', 'dim', 'bucket', 'key', 'cost_usd', 'tasks']).execute();

  await db.schema
    .createTable('budgets')
    .addColumn('budget_id', 'text', (c) => c.primaryKey())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text')
    .addColumn('limit_usd', 'double precision', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('budgets_scope_key').on('budgets').columns(['scope', 'key']).execute();

  // The ledger: one index per sort (with task_id for a stable keyset order), and one per filter in created_at order so
  // a filtered page is a range scan. A null duration sorts as -1 on both dialects (they disagree on where NULL goes).
  await db.schema.createIndex('tasks_cost').on('tasks').columns(['cost_usd', 'task_id']).execute();
  await sql`create index tasks_duration on tasks (coalesce(duration_ms, -1), task_id)`.execute(db);
  for (const [name, column] of [
    ['tasks_requester_created', 'requester'],
    ['tasks_source_created', 'source'],
    ['tasks_agent_created', 'assigned_agent'],
    ['tasks_model_created', 'model'],
    ['tasks_rule_created', 'rule'],
    ['tasks_outcome_created', 'outcome'],
  ] as const) {
    await db.schema.createIndex(name).on('tasks').columns([column, 'created_at', 'task_id']).execute();
  }
  await db.schema.createIndex('conversations_cost').on('conversations').columns(['total_cost_usd', 'conversation_id']).execute();
  // /metrics counts deliveries by provider and outcome from this index alone.
  await db.schema.createIndex('webhook_events_provider_outcome').on('webhook_events').columns(['provider', 'outcome']).execute();

  await backfill(db);
}

/** Tasks that finished before this migration enter the rollups here; later ones are added as they finish. */
async function backfill(db: Kysely<any>): Promise<void> {
  const bins = BINS.map((_, i) => {
    const conditions = [sql`duration_ms is not null`];
    if (i > 0) conditions.push(sql`duration_ms > ${sql.lit(BOUNDS[i - 1]!)}`);
    if (i < BOUNDS.length) conditions.push(sql`duration_ms <= ${sql.lit(BOUNDS[i]!)}`);
    return sql`sum(case when ${sql.join(conditions, sql` and `)} then 1 else 0 end)`;
  });
  const columns = sql.join(
    ['granularity', 'dim', 'key', 'bucket', ...COUNTERS, 'cost_usd', ...TOKENS, 'duration_count', 'duration_sum_ms', ...BINS, 'duration_max_ms'].map((c) => sql.ref(c)),
  );
  const summed = sql.join([...COUNTERS, 'cost_usd', ...TOKENS, 'duration_count', 'duration_sum_ms', ...BINS].map((c) => sql`sum(${sql.ref(c)})`));
  for (const [dim, column] of Object.entries(DIMS)) {
    const key = column === null ? sql`''` : sql`coalesce(${sql.ref(column)}, '')`;
    await sql`insert into task_rollups (${columns})
      select 'hour', ${sql.lit(dim)}, ${key}, created_at - created_at % 3600000,
        count(*), sum(case when outcome = 'success' then 1 else 0 end), sum(case when status = 'failed' then 1 else 0 end),
        coalesce(sum(cost_usd), 0), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
        coalesce(sum(cache_read_tokens), 0), coalesce(sum(cache_creation_tokens), 0), coalesce(sum(num_turns), 0),
        count(duration_ms), coalesce(sum(duration_ms), 0), ${sql.join(bins)}, coalesce(max(duration_ms), 0)
      from tasks where status in ('completed', 'failed', 'cancelled')
      group by created_at - created_at % 3600000${column === null ? sql`` : sql`, ${key}`}`.execute(db);
  }
  await sql`insert into task_rollups (${columns})
    select 'day', dim, key, bucket - bucket % 86400000, ${summed}, max(duration_max_ms)
    from task_rollups where granularity = 'hour' group by dim, bucket - bucket % 86400000, key`.execute(db);
  const span = await sql<{ lo: number | null; hi: number | null }>`select min(bucket) as lo, max(bucket) as hi from task_rollups where granularity = 'day'`.execute(db);
  const { lo, hi } = span.rows[0] ?? { lo: null, hi: null };
  if (lo !== null && hi !== null) {
    // Calendar months are not a fixed length: each day is mapped to its month's start by a CASE over the months seen.
    const starts: number[] = [];
    for (let d = new Date(Number(lo)), m = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1); m <= Number(hi); ) {
      starts.push(m);
      const n = new Date(m);
      m = Date.UTC(n.getUTCFullYear(), n.getUTCMonth() + 1, 1);
    }
    const month = sql`case ${sql.join(starts.map((m, i) => sql`when bucket < ${sql.lit(starts[i + 1] ?? Number.MAX_SAFE_INTEGER)} then ${sql.lit(m)}`), sql` `)} end`;
    await sql`insert into task_rollups (${columns})
      select 'month', dim, key, ${month}, ${summed}, max(duration_max_ms)
      from task_rollups where granularity = 'day' group by dim, key, ${month}`.execute(db);
  }
  await sql`insert into task_rollups (${columns})
    select 'total', dim, key, 0, ${summed}, max(duration_max_ms)
    from task_rollups where granularity = 'day' group by dim, key`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [
    'tasks_cost',
    'tasks_duration',
    'tasks_requester_created',
    'tasks_source_created',
    'tasks_agent_created',
    'tasks_model_created',
    'tasks_rule_created',
    'tasks_outcome_created',
    'conversations_cost',
    'webhook_events_provider_outcome',
  ]) {
    await db.schema.dropIndex(index).ifExists().execute();
  }
  await db.schema.dropTable('budgets').ifExists().execute();
  await db.schema.dropIndex('task_rollups_rank').ifExists().execute();
  await db.schema.dropTable('task_rollups').ifExists().execute();
}

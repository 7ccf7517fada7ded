import type { Kysely } from 'kysely';

// Workers as machines: each worker process registers a row and beats its heart in it, so the API, the dashboard and
// the other workers see every worker (the database is the truth; Redis may lose everything). A task's attempt carries
// a fencing id set at claim: every write that settles the run is conditional on it, so a worker presumed dead whose
// result comes late cannot record it over the attempt that replaced it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workers')
    .addColumn('worker_id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('running', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('capacity', 'integer', (c) => c.notNull())
    .addColumn('draining', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('metrics_port', 'integer')
    // Set when the worker stopped (cleanly) or was found dead; a gone worker's row is kept for the dashboard.
    .addColumn('gone_at', 'bigint')
    .addColumn('gone_reason', 'text')
    .execute();
  await db.schema.createIndex('workers_live').on('workers').columns(['gone_at', 'last_seen_at']).execute();
  await db.schema.alterTable('tasks').addColumn('fence_id', 'text').execute();
  // The claim's fair-share check counts a requester's (or source's) running tasks.
  await db.schema.createIndex('tasks_status_requester').on('tasks').columns(['status', 'requester']).execute();
  await db.schema.createIndex('tasks_status_source').on('tasks').columns(['status', 'source']).execute();
  await db.schema.createIndex('tasks_status_worker').on('tasks').columns(['status', 'worker_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tasks_status_worker').ifExists().execute();
  await db.schema.dropIndex('tasks_status_source').ifExists().execute();
  await db.schema.dropIndex('tasks_status_requester').ifExists().execute();
  await db.schema.alterTable('tasks').dropColumn('fence_id').execute();
  await db.schema.dropIndex('workers_live').ifExists().execute();
  await db.schema.dropTable('workers').ifExists().execute();
}

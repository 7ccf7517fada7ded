import type { Kysely } from 'kysely';

// One session across providers (issue 15, item 1): a thread linked into another thread's flow. A thread without a
// row here is its own flow (flowIdFor of its external id); with one, its tasks join the linked flow's conversation
// and so resume the same Claude session. Tasks are looked up by their thread to tell whether a link names a thread
// the service already knows.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('flow_links')
    .addColumn('external_id', 'text', (c) => c.primaryKey())
    .addColumn('flow_id', 'text', (c) => c.notNull())
    /** How the thread joined: 'mention' (a message linked a known thread), 'continue' (@agent continue), 'opened' (a run opened it). */
    .addColumn('via', 'text', (c) => c.notNull())
    /** The task whose delivery or run made the link, when there is one. */
    .addColumn('task_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('flow_links_flow').on('flow_links').columns(['flow_id', 'created_at']).execute();
  await db.schema.createIndex('tasks_external').on('tasks').columns(['external_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tasks_external').ifExists().execute();
  await db.schema.dropTable('flow_links').ifExists().execute();
}

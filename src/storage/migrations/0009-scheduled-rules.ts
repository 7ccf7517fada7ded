import type { Kysely } from 'kysely';

// Issue 15, items 4 and 7. Both need the database (not memory) to decide once across API and worker processes:
// - A scheduled rule (webhook_commands.schedule, a cron expression) fires each slot once: schedule_firings is keyed by
//   rule and slot, and the scheduler that inserts the key is the one that creates the slot's task.
// - An alert storm joins one task: task_storms holds, per storm key (provider, thread, command, request), the task
//   that answers it while that task is queued or running; tasks.delivery_count is how many deliveries it answers.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_commands').addColumn('schedule', 'text').execute();
  await db.schema
    .createTable('schedule_firings')
    .addColumn('command_id', 'text', (c) => c.notNull())
    .addColumn('slot', 'bigint', (c) => c.notNull())
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('fired_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('schedule_firings_pk', ['command_id', 'slot'])
    .execute();
  await db.schema
    .createTable('task_storms')
    .addColumn('storm_key', 'text', (c) => c.primaryKey())
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('last_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('tasks').addColumn('delivery_count', 'integer', (c) => c.notNull().defaultTo(1)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tasks').dropColumn('delivery_count').execute();
  await db.schema.dropTable('task_storms').ifExists().execute();
  await db.schema.dropTable('schedule_firings').ifExists().execute();
  await db.schema.alterTable('webhook_commands').dropColumn('schedule').execute();
}

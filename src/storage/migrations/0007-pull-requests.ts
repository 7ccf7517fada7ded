import type { Kysely } from 'kysely';

// Changes that land as pull requests: the pull (or merge) requests the service opened for its runs, and what became
// of each (open, closed, merged; the CI checks), from the provider's deliveries. A task links the pull request it
// opened or pushed to (`pull_request_id`) and keeps a copy of its state for the task view (`pull_request`, JSON),
// rewritten whenever the state changes. `checkout_commit` is the commit a run's workspace was checked out at: what
// the service commits the run's changes on top of.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pull_requests')
    .addColumn('pr_id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('repository', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('branch', 'text', (c) => c.notNull())
    .addColumn('base', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('checks', 'text')
    .addColumn('head_sha', 'text')
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('flow_id', 'text')
    .addColumn('agent', 'text')
    .addColumn('command', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .execute();
  await db.schema.createIndex('pull_requests_number').unique().on('pull_requests').columns(['provider', 'repository', 'number']).execute();
  await db.schema.createIndex('pull_requests_branch').on('pull_requests').columns(['provider', 'repository', 'branch']).execute();
  await db.schema.createIndex('pull_requests_flow').on('pull_requests').column('flow_id').execute();
  await db.schema.alterTable('tasks').addColumn('pull_request_id', 'text').execute();
  await db.schema.alterTable('tasks').addColumn('pull_request', 'text').execute();
  await db.schema.alterTable('tasks').addColumn('checkout_commit', 'text').execute();
  await db.schema.createIndex('tasks_pull_request').on('tasks').column('pull_request_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tasks_pull_request').ifExists().execute();
  await db.schema.alterTable('tasks').dropColumn('checkout_commit').execute();
  await db.schema.alterTable('tasks').dropColumn('pull_request').execute();
  await db.schema.alterTable('tasks').dropColumn('pull_request_id').execute();
  await db.schema.dropIndex('pull_requests_flow').ifExists().execute();
  await db.schema.dropIndex('pull_requests_branch').ifExists().execute();
  await db.schema.dropIndex('pull_requests_number').ifExists().execute();
  await db.schema.dropTable('pull_requests').ifExists().execute();
}

import type { Kysely } from 'kysely';

// Issue 15, items 1 and 2: what the service does with a webhook run's result besides replying in the thread that asked
// (open a Jira issue, tell the flow's other threads, post the flow summary to Slack) is durable. Each such step is a
// row written with the task itself, so a crash, a provider's 5xx or a restart between the run's end and the step loses
// nothing: a sweep at start-up and every RECONCILE_SECONDS runs what is still pending. A worker claims a row for a
// lease before it acts, so each step runs once across workers; `progress` records what a step has done already (the
// Jira key it opened, the threads it told), so a step taken up again does not repeat it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('after_run_steps')
    .addColumn('task_id', 'text', (c) => c.notNull())
    /** 'jira_issue' or 'flow_notes' (src/flows/after-run-steps.ts). */
    .addColumn('step', 'text', (c) => c.notNull())
    /** 'pending', 'done', 'failed' (gave up, the reason in `error`), 'skipped' (the task did not complete). */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    /** Not before this time (epoch ms): the back-off after a failed attempt. */
    .addColumn('next_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'bigint')
    /** JSON: what the step has done so far. */
    .addColumn('progress', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('after_run_steps_pk', ['task_id', 'step'])
    .execute();
  await db.schema.createIndex('after_run_steps_due').on('after_run_steps').columns(['status', 'next_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('after_run_steps').ifExists().execute();
}

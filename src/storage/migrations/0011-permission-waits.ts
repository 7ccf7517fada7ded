import type { Kysely } from 'kysely';

// Issue 13 item 1: a permission lookup that misses the cache must not hold the webhook's request. Such a delivery is
// stored with its tasks waiting, and one row here says what to do once the sender's permission is known; the row
// is gone once it is decided. A start-up and periodic sweep picks up rows left undecided (a restart, a provider down).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('permission_waits')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    /** The delivery's event (its payload left out): who asked, where to answer. JSON. */
    .addColumn('event', 'text', (c) => c.notNull())
    /** Per task: its approval rule, the approval request to post, whether to acknowledge; the commands asked. JSON. */
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    /** A process deciding the row holds it until then (epoch ms); null: free. */
    .addColumn('claimed_until', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('permission_waits').ifExists().execute();
}

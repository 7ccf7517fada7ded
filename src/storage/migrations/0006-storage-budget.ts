import { type Kysely, SqliteAdapter, sql } from 'kysely';

// Storage with a budget: transcripts compressed (a blob beside the old text column, which old rows keep until they
// are next saved or pruned), an assistant message that is its task's output stored once (on the task), and the
// indexes the retention job reads oldest first.
export async function up(db: Kysely<any>): Promise<void> {
  const blob = db.getExecutor().adapter instanceof SqliteAdapter ? 'blob' : 'bytea';
  await db.schema.alterTable('claude_sessions').addColumn('transcript_br', blob).execute();
  await db.schema
    .alterTable('conversation_messages')
    .addColumn('content_is_output', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('task_events_created').on('task_events').column('created_at').execute();
  await db.schema
    .createIndex('claude_sessions_kept')
    .on('claude_sessions')
    .column('updated_at')
    .where(sql<boolean>`transcript_br is not null or transcript != ''`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('claude_sessions_kept').ifExists().execute();
  await db.schema.dropIndex('task_events_created').ifExists().execute();
  await db.schema.alterTable('conversation_messages').dropColumn('content_is_output').execute();
  await db.schema.alterTable('claude_sessions').dropColumn('transcript_br').execute();
}

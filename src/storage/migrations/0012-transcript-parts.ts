import { type Kysely, SqliteAdapter } from 'kysely';

// Transcripts kept as a skeleton and shared parts (src/storage/transcript-parts.ts): the large values every Claude
// Code session repeats (system prompt, tool definitions, request shapes) are stored once, by sha256. `used_at` is when
// a transcript last referred to a part: retention drops parts no transcript has referred to since its cutoff.
export async function up(db: Kysely<any>): Promise<void> {
  const blob = db.getExecutor().adapter instanceof SqliteAdapter ? 'blob' : 'bytea';
  await db.schema
    .createTable('transcript_parts')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('content_br', blob, (c) => c.notNull())
    .addColumn('used_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('transcript_parts_used').on('transcript_parts').column('used_at').execute();
  await db.schema
    .alterTable('claude_sessions')
    .addColumn('transcript_split', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('claude_sessions').dropColumn('transcript_split').execute();
  await db.schema.dropTable('transcript_parts').execute();
}

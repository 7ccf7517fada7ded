// What a database holds on disk, for the storage budget test (test/storage-budget.test.ts) and the bytes-per-task
// benchmark (bench/storage.ts): both count the same way.
import { sql } from 'kysely';
import type { Storage } from '../../src/storage/db.js';

/**
 * Bytes the database holds now (free pages and dead rows not counted): SQLite pages in use after a WAL checkpoint,
 * PostgreSQL relation sizes (tables, indexes, TOAST) of the current schema after VACUUM FULL.
 */
export async function databaseBytes(storage: Storage): Promise<number> {
  if (storage.dialect === 'sqlite') {
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(storage.db);
    const pages = await sql<{ n: number }>`select (select page_count from pragma_page_count()) - (select freelist_count from pragma_freelist_count()) as n`.execute(storage.db);
    const size = await sql<{ page_size: number }>`select page_size from pragma_page_size()`.execute(storage.db);
    return Number(pages.rows[0]!.n) * Number(size.rows[0]!.page_size);
  }
  const tables = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = current_schema()`.execute(storage.db);
  for (const { name } of tables.rows) await sql`vacuum full ${sql.id(name)}`.execute(storage.db);
  const total = await sql<{ bytes: number }>`
    select coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass)), 0)::bigint as bytes
    from pg_tables where schemaname = current_schema()`.execute(storage.db);
  return Number(total.rows[0]!.bytes);
}

/** Transcripts kept, and their compressed bytes: skeletons and the parts they share. */
export async function transcriptBytes(storage: Storage): Promise<{ stored: number; count: number }> {
  const rows = await storage.db.selectFrom('claude_sessions').select('transcript_br').where('transcript_br', 'is not', null).execute();
  const parts = await storage.db.selectFrom('transcript_parts').select('content_br').execute();
  const bytes = (blobs: Array<Uint8Array | null>) => blobs.reduce((n, b) => n + (b?.length ?? 0), 0);
  return { stored: bytes(rows.map((r) => r.transcript_br)) + bytes(parts.map((p) => p.content_br)), count: rows.length };
}

import { createHash } from 'node:crypto';
import { type Kysely, SqliteAdapter, sql } from 'kysely';

// Durable webhook ingest: dedup keys are hashes (a 4 KB delivery id made PostgreSQL's index row too large), a second
// key covers the signed body (the same body under a new delivery id is a replay), and a delivery answered 5xx — or
// left half-processed by the old code, outcome 'received' — holds no key, so the provider's redelivery is processed.
// Unsigned posts are counted per provider; their rows are cut to a small head.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_events').addColumn('body_key', 'text').execute();
  await db.schema.createIndex('webhook_events_body_key').unique().on('webhook_events').column('body_key').execute();
  // Retention of unsigned rows reads them oldest first.
  await db.schema.createIndex('webhook_events_unverified').on('webhook_events').columns(['verified', 'created_at']).execute();

  await db
    .updateTable('webhook_events')
    .set({ dedup_key: null })
    .where((eb) => eb.or([eb('status_code', '>=', 500), eb('outcome', '=', 'received')]))
    .execute();
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    const rows = await db.selectFrom('webhook_events').select(['event_id', 'dedup_key']).where('dedup_key', 'is not', null).execute();
    for (const row of rows) {
      await db.updateTable('webhook_events').set({ dedup_key: sha256(row.dedup_key as string) }).where('event_id', '=', row.event_id).execute();
    }
  } else {
    await sql`update webhook_events set dedup_key = encode(sha256(convert_to(dedup_key, 'UTF8')), 'hex') where dedup_key is not null`.execute(db);
  }

  await db.schema
    .createTable('webhook_unverified_counts')
    .addColumn('provider', 'text', (c) => c.primaryKey())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .addColumn('last_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into webhook_unverified_counts (provider, n, last_at)
    select provider, count(*), max(created_at) from webhook_events where verified = 0 group by provider`.execute(db);
  await sql`update webhook_events set payload = substr(payload, 1, 1024) where verified = 0`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_unverified_counts').ifExists().execute();
  await db.schema.dropIndex('webhook_events_unverified').ifExists().execute();
  await db.schema.dropIndex('webhook_events_body_key').ifExists().execute();
  await db.schema.alterTable('webhook_events').dropColumn('body_key').execute();
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

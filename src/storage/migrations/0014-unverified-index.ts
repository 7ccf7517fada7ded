import { type Kysely, sql } from 'kysely';

// Issue 13 item 1: every delivery's INSERT wrote an entry into each of webhook_events' six indexes, one of them
// (verified, created_at) only ever read for the few unsigned posts (their retention). As a partial index of those
// rows alone, a signed delivery writes nothing into it. Its readers say `verified = 0` as a literal, so both
// databases can prove the index covers them (a bound parameter could be anything).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('webhook_events_unverified').ifExists().execute();
  await db.schema.createIndex('webhook_events_unverified').on('webhook_events').column('created_at').where(sql<boolean>`verified = 0`).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('webhook_events_unverified').ifExists().execute();
  await db.schema.createIndex('webhook_events_unverified').on('webhook_events').columns(['verified', 'created_at']).execute();
}

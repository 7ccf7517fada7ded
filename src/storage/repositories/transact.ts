import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/**
 * Runs `work` in a transaction of its own, or in the caller's when `db` already is one: repositories built over a
 * transaction (Repositories.transaction) keep their multi-row writes inside it instead of failing to nest.
 */
export function transact<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations/index.js';
import type { Database } from './schema.js';
import { StoredTextPlugin } from './stored-text.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Storage {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for /health and logs (no password). */
  describe: string;
  close(): Promise<void>;
}

export interface StorageOptions {
  databaseUrl?: string;
  /** PostgreSQL schema; created when missing. Tests use a fresh one per run. */
  schema?: string;
  /** SQLite file; `:memory:` is allowed for unit tests. */
  sqliteFile?: string;
  migrate?: boolean;
}

// PostgreSQL returns bigint (int8) and numeric as strings; our values (epoch ms, counts, dollars) fit a double.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export async function openStorage(opts: StorageOptions): Promise<Storage> {
  const schema = opts.schema ?? 'public';
  const storage = opts.databaseUrl ? await openPostgres(opts.databaseUrl, schema) : openSqlite(opts);
  if (opts.migrate !== false) await migrateToLatest(storage.db, opts.databaseUrl ? schema : undefined);
  return storage;
}

function openSqlite(opts: StorageOptions): Storage {
  const file = opts.sqliteFile ?? ':memory:';
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const database = new SqliteDatabase(file);
  // WAL lets readers run while the worker writes; busy_timeout rides out a second process briefly holding the lock.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }), plugins: [new StoredTextPlugin()] });
  return { db, dialect: 'sqlite', describe: `sqlite:${file}`, close: () => db.destroy() };
}

async function openPostgres(databaseUrl: string, schema: string): Promise<Storage> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await admin.end();
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, options: `-c search_path="${schema}"` });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new StoredTextPlugin()] });
  await sql`select 1`.execute(db);
  const safe = new URL(databaseUrl);
  safe.password = '';
  return { db, dialect: 'postgres', describe: `${safe.toString()} (schema ${schema})`, close: () => db.destroy() };
}

import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type DatabaseIntrospector, type Driver, Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase as PreparingDatabase, type SqliteStatement, sql } from 'kysely';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import { migrateToLatest } from './migrations/index.js';
import { OwnSchemaIntrospector } from './own-schema-introspector.js';
import { statementName } from './prepared.js';
import type { Database } from './schema.js';
import { storingText } from './stored-text.js';
import { startCheckpointer } from './wal-checkpointer.js';

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
  /** Told when an idle PostgreSQL connection fails (the pool drops it and opens another when needed). */
  onConnectionError?: (err: Error) => void;
  /** SQLite: told the text of every statement about to run, BEGIN and COMMIT included (tests count them). */
  onStatement?: (sql: string) => void;
  /** SQLite file: how often the WAL is checkpointed, off the event loop (wal-checkpointer.ts). */
  checkpointEveryMs?: number;
}

// PostgreSQL returns bigint (int8) and numeric as strings; our values (epoch ms, counts, dollars) fit a double.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export async function openStorage(opts: StorageOptions): Promise<Storage> {
  const schema = opts.schema ?? 'public';
  const storage = opts.databaseUrl ? await openPostgres(opts.databaseUrl, schema, opts.onConnectionError) : openSqlite(opts);
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
  const statements = cachingStatements(database);
  const counted: PreparingDatabase = opts.onStatement ? { prepare: (text) => (opts.onStatement!(text), statements.prepare(text)), close: () => statements.close() } : statements;
  const db = new Kysely<Database>({ dialect: new SqliteDialectKeepingErrors({ database: counted }) });
  const checkpointer = file === ':memory:' ? undefined : startCheckpointer(database, file, opts.checkpointEveryMs);
  const close = async () => {
    await checkpointer?.stop();
    await db.destroy();
  };
  return { db, dialect: 'sqlite', describe: `sqlite:${file}`, close };
}

/** How many distinct SQL texts keep their prepared statement; the service issues a few hundred distinct ones. */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every statement on every call, and preparing was the costliest step of webhook
 * ingest. Statements are kept per SQL text (parameters are bound per call). Sharing one is safe: the driver holds the
 * single connection for the whole of a query, and better-sqlite3 re-prepares a statement itself after a schema change.
 */
export function cachingStatements(database: PreparingDatabase, size = STATEMENT_CACHE_SIZE): PreparingDatabase {
  const statements = new LRUCache<string, SqliteStatement>({ max: size });
  return {
    prepare(text) {
      let statement = statements.get(text);
      if (!statement) {
        statement = database.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
    close: () => {
      statements.clear();
      database.close();
    },
  };
}

/**
 * Every string parameter made storable (stored-text.ts). And after some errors (SQLITE_FULL, SQLITE_IOERR) SQLite has
 * already rolled the transaction back itself: Kysely's own ROLLBACK then fails with "no transaction is active", and
 * that error would replace the one that says what happened (a full disk, answered 507, and retried by the worker once
 * it freed its reserve).
 */
class SqliteDialectKeepingErrors extends SqliteDialect {
  override createDriver(): Driver {
    const driver = storingText(super.createDriver());
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      try {
        await rollback(connection);
      } catch (err) {
        if (!/no transaction is active/.test((err as Error).message)) throw err;
      }
    };
    return driver;
  }
}

/** Every string parameter made storable (stored-text.ts). */
class PostgresDialectStoringText extends PostgresDialect {
  override createDriver(): Driver {
    return storingText(super.createDriver());
  }

  /** Only this service's schema is looked at (own-schema-introspector.ts). */
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db);
  }
}

async function openPostgres(databaseUrl: string, schema: string, onConnectionError?: (err: Error) => void): Promise<Storage> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await admin.end();
  }
  // Named per schema, so an operator (or a fault test) can tell this service's connections apart in pg_stat_activity.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, options: `-c search_path="${schema}"`, application_name: `cca:${schema}`.slice(0, 63) });
  // Without listeners, a connection's error (the server restarted, or ended it) would crash the process: the pool
  // reports idle ones, each client its own while checked out (the query in flight fails, and is retried by its caller).
  pool.on('error', (err) => onConnectionError?.(err));
  pool.on('connect', (client) => {
    client.on('error', (err) => onConnectionError?.(err));
    preparingNamed(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialectStoringText({ pool }) });
  await sql`select 1`.execute(db);
  const safe = new URL(databaseUrl);
  safe.password = '';
  return { db, dialect: 'postgres', describe: `${safe.toString()} (schema ${schema})`, close: () => db.destroy() };
}

/**
 * The delivery path's fixed statements (prepared.ts) run as named statements: parsed and planned once per
 * connection. Kysely's driver calls `query(text, values)`; any other text runs as before, unnamed.
 */
function preparingNamed(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    const name = typeof text === 'string' && args.length === 2 && Array.isArray(values) ? statementName(text) : undefined;
    return name ? query({ name, text, values }) : query(...args);
  };
}

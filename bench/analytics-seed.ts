/**
 * Writes the generated rows (bench/analytics-data.ts) into a database migrated as the service migrates it: SQLite
 * through prepared statements in one transaction; PostgreSQL through multi-row `INSERT … SELECT * FROM unnest($1, …)`
 * statements of 5,000 rows (one array parameter per column; pg-copy-streams is not a dependency). Then the rollups are
 * rebuilt from the tasks (`rebuildRollups`, as migration 0002 does on an existing database) and the size is read.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { openStorage, type StorageOptions } from '../src/storage/db.js';
import { rebuildRollups } from '../src/storage/rollups.js';
import { generate, type Row, type SeedFacts, type Sink, TABLES, type Table } from './analytics-data.js';

export interface Seeded extends SeedFacts {
  seedMs: number;
  rollupMs: number;
  rollupRows: number;
  bytes: number;
  /** Bytes per table (data and indexes), largest first. */
  tables: Array<[string, number]>;
}

const columns = (table: Table) => TABLES[table].map(([c]) => c);

async function finish(opts: StorageOptions, facts: SeedFacts, seedMs: number, size: () => Promise<Array<[string, number]>>): Promise<Seeded> {
  const storage = await openStorage(opts);
  try {
    const rollupStart = performance.now();
    await rebuildRollups(storage.db);
    const rollupMs = performance.now() - rollupStart;
    const { n } = await storage.db.selectFrom('task_rollups').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    if (storage.dialect === 'postgres') await sql`analyze`.execute(storage.db);
    else await sql`pragma wal_checkpoint(truncate)`.execute(storage.db);
    const tables = (await size()).sort((a, b) => b[1] - a[1]);
    return { ...facts, seedMs, rollupMs, rollupRows: Number(n), bytes: tables.reduce((s, [, b]) => s + b, 0), tables };
  } finally {
    await storage.close();
  }
}

export async function seedSqlite(file: string, n: number, full: number, now: number): Promise<Seeded> {
  await (await openStorage({ sqliteFile: file })).close(); // migrations: tables and indexes as the service has them
  const started = performance.now();
  const db = new SqliteDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1000000');
  const statements = new Map<Table, SqliteDatabase.Statement>();
  const sink: Sink = {
    write: async (table, rows) => {
      let insert = statements.get(table);
      if (!insert) {
        const cols = columns(table);
        insert = db.prepare(`insert into ${table} (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`);
        statements.set(table, insert);
      }
      const statement = insert;
      db.transaction(() => {
        for (const row of rows) statement.run(...row);
      })();
    },
  };
  const facts = await generate(sink, n, full, now);
  db.close();
  const seedMs = performance.now() - started;
  return finish({ sqliteFile: file }, facts, seedMs, async () => {
    const sizes = new SqliteDatabase(file, { readonly: true });
    try {
      // dbstat is compiled into better-sqlite3's SQLite; fall back to the file size without it.
      const rows = sizes.prepare(`select coalesce(m.tbl_name, d.name) as t, sum(d.pgsize) as b from dbstat d left join sqlite_master m on m.name = d.name group by 1`).all() as Array<{ t: string; b: number }>;
      return rows.map((r) => [r.t, r.b] as [string, number]);
    } catch {
      return [['(file)', fs.statSync(file).size]];
    } finally {
      sizes.close();
    }
  });
}

export async function seedPostgres(url: string, schema: string, n: number, full: number, now: number): Promise<Seeded> {
  await (await openStorage({ databaseUrl: url, schema })).close();
  const client = new pg.Client({ connectionString: url, options: `-c search_path="${schema}"` });
  await client.connect();
  try {
    const started = performance.now();
    await client.query('set synchronous_commit = off');
    const sink: Sink = {
      write: async (table, rows: Row[]) => {
        if (rows.length === 0) return;
        const spec = TABLES[table];
        const arrays = spec.map((_, c) => rows.map((r) => r[c]));
        const params = spec.map(([, type], c) => `$${c + 1}::${type}[]`).join(', ');
        await client.query(`insert into ${table} (${columns(table).join(', ')}) select * from unnest(${params})`, arrays);
      },
    };
    const facts = await generate(sink, n, full, now);
    const seedMs = performance.now() - started;
    return await finish({ databaseUrl: url, schema }, facts, seedMs, async () => {
      const { rows } = await client.query<{ t: string; b: string }>(
        `select c.relname as t, pg_total_relation_size(c.oid) as b from pg_class c join pg_namespace s on s.oid = c.relnamespace
         where s.nspname = $1 and c.relkind = 'r'`,
        [schema],
      );
      return rows.map((r) => [r.t, Number(r.b)] as [string, number]);
    });
  } finally {
    await client.end();
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

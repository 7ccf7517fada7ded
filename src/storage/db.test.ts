import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase as KyselySqlite, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { cachingStatements } from './db.js';

interface Db {
  items: { id: number; name: string };
}

/** A real in-memory SQLite database whose prepare calls are counted. */
function countingDatabase(): { database: KyselySqlite; prepared: string[] } {
  const real = new SqliteDatabase(':memory:');
  const prepared: string[] = [];
  return {
    prepared,
    database: {
      prepare: (text) => (prepared.push(text), real.prepare(text)),
      close: () => real.close(),
    },
  };
}

describe('cachingStatements', () => {
  let db: Kysely<Db> | undefined;
  afterEach(async () => db?.destroy());

  it('prepares each SQL text once, binds fresh parameters on every call', async () => {
    const { database, prepared } = countingDatabase();
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: cachingStatements(database) }) });
    await sql`create table items (id integer primary key, name text not null)`.execute(db);
    for (let i = 1; i <= 50; i++) await db.insertInto('items').values({ id: i, name: `n${i}` }).execute();
    const names = [];
    for (const id of [3, 7, 42]) names.push((await db.selectFrom('items').select('name').where('id', '=', id).executeTakeFirst())?.name);
    expect(names).toEqual(['n3', 'n7', 'n42']);
    await db.transaction().execute(async (trx) => trx.updateTable('items').set({ name: 'x' }).where('id', '=', 1).execute());
    await db.transaction().execute(async (trx) => trx.updateTable('items').set({ name: 'y' }).where('id', '=', 2).execute());
    // create, insert, select, begin, update, commit: six distinct texts, however often each ran.
    expect(prepared.filter((text) => /insert into/.test(text))).toHaveLength(1);
    expect(prepared.filter((text) => /^select/.test(text))).toHaveLength(1);
    expect(prepared).toHaveLength(6);
    expect((await db.selectFrom('items').select('name').where('id', 'in', [1, 2]).orderBy('id').execute()).map((r) => r.name)).toEqual(['x', 'y']);
  });

  it('keeps at most `size` statements and prepares an evicted one again', async () => {
    const { database, prepared } = countingDatabase();
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: cachingStatements(database, 2) }) });
    const queries = ['select 1 as v', 'select 2 as v', 'select 3 as v', 'select 1 as v'];
    const values = [];
    for (const q of queries) values.push((await sql<{ v: number }>`${sql.raw(q)}`.execute(db)).rows[0]!.v);
    expect(values).toEqual([1, 2, 3, 1]);
    expect(prepared).toEqual(queries); // the first was evicted by the third, so it is prepared again
  });
});

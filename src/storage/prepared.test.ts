import { afterEach, describe, expect, it } from 'vitest';
import { dropSchema, freshSchemaName, hasPostgres, POSTGRES_URL } from '../../test/support/services.js';
import { openStorage, type Storage } from './db.js';
import { sql } from 'kysely';
import { prepared, row } from './prepared.js';

const schema = freshSchemaName();
const dialects = [
  { name: 'SQLite', open: () => openStorage({}), drop: async () => {} },
  { name: 'PostgreSQL', open: () => openStorage({ databaseUrl: POSTGRES_URL, schema }), drop: () => dropSchema(schema), skip: !hasPostgres },
];

for (const dialect of dialects) {
  describe.skipIf(dialect.skip)(`prepared statements on ${dialect.name}`, () => {
    let storage: Storage | undefined;
    afterEach(async () => {
      await storage?.close();
      await dialect.drop();
    });

    it('builds a statement once and runs it with each call its own values, in a transaction and out of one', async () => {
      storage = await dialect.open();
      const db = storage.db;
      let builds = 0;
      const insert = prepared<{ provider: string; external_id: string; task_id: string | null; created_at: number }>()((d, value) => {
        builds++;
        return d.insertInto('outbound_posts').values(row(value, ['provider', 'external_id', 'task_id', 'created_at'])).onConflict((oc) => oc.doNothing());
      });
      const find = prepared<{ provider: string }>()((d, value) => {
        builds++;
        return d.selectFrom('outbound_posts').select(['external_id', 'task_id']).where('provider', '=', value('provider')).orderBy('external_id');
      });
      await insert.execute(db, { provider: 'github', external_id: 'comment:1', task_id: null, created_at: 1 });
      await db.transaction().execute(async (trx) => {
        await insert.execute(trx, { provider: 'github', external_id: 'comment:2', task_id: 'task_2', created_at: 2 });
        await insert.execute(trx, { provider: 'slack', external_id: 'C1/1.2', task_id: null, created_at: 3 });
      });
      const again = await insert.execute(db, { provider: 'github', external_id: 'comment:1', task_id: null, created_at: 4 });
      expect(Number(again.numAffectedRows)).toBe(0); // the conflict did nothing

      expect((await find.execute(db, { provider: 'github' })).rows).toEqual([
        { external_id: 'comment:1', task_id: null },
        { external_id: 'comment:2', task_id: 'task_2' },
      ]);
      expect((await find.execute(db, { provider: 'slack' })).rows).toEqual([{ external_id: 'C1/1.2', task_id: null }]);
      expect(builds).toBe(2);
    });

    it('stores text the way every other statement does (NUL and lone surrogates as U+FFFD)', async () => {
      storage = await dialect.open();
      const insert = prepared<{ provider: string; external_id: string }>()((d, value) =>
        d.insertInto('outbound_posts').values({ provider: value('provider'), external_id: value('external_id'), task_id: null, created_at: 1 }),
      );
      await insert.execute(storage.db, { provider: 'p\u0000', external_id: 'e\ud800' });
      expect(await storage.db.selectFrom('outbound_posts').select(['provider', 'external_id']).execute()).toEqual([{ provider: 'p\ufffd', external_id: 'e\ufffd' }]);
    });
  });
}

describe.skipIf(!hasPostgres)('prepared statements on PostgreSQL, named', () => {
  const namedSchema = freshSchemaName();
  let storage: Storage | undefined;
  afterEach(async () => {
    await storage?.close();
    await dropSchema(namedSchema);
  });

  it('runs as a named statement, parsed once per connection, unless it has a *', async () => {
    storage = await openStorage({ databaseUrl: POSTGRES_URL, schema: namedSchema });
    const named = prepared<{ provider: string }>()((d, value) => d.selectFrom('outbound_posts').select('external_id').where('provider', '=', value('provider')));
    const starred = prepared<{ provider: string }>()((d, value) => d.selectFrom('outbound_posts').selectAll().where('provider', '=', value('provider')));
    const prepares = await storage.db.transaction().execute(async (trx) => {
      for (const provider of ['a', 'b']) {
        await named.execute(trx, { provider });
        await starred.execute(trx, { provider });
      }
      return (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(trx)).rows;
    });
    expect(prepares).toEqual([{ name: expect.stringMatching(/^cca_/), statement: expect.stringMatching(/^select "external_id" from "outbound_posts"/) }]);
  });
});

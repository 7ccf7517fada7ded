import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, freshSchemaName, hasPostgres, POSTGRES_URL } from '../../test/support/services.js';
import { openStorage, type Storage } from './db.js';

describe.skipIf(!hasPostgres)("PostgreSQL: the migrator looks at the service's own schema only", () => {
  const own = freshSchemaName();
  const neighbour = freshSchemaName();
  const opened: Storage[] = [];
  afterAll(async () => {
    for (const storage of opened) await storage.close();
    await dropSchema(own);
    await dropSchema(neighbour);
  });

  it("migrates while another service's schema is being dropped, and lists only its own tables", async () => {
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query(`create schema "${neighbour}"; create table "${neighbour}".items (id serial primary key)`);
      // Another service (or test run) dropping its schema meanwhile. Kysely's own introspector read every schema's
      // tables (157 here, with the other test runs' schemas) and resolved each name again: one dropped between the
      // two failed this service's migration ("schema … does not exist", seen in CI).
      await admin.query(`begin; drop schema "${neighbour}" cascade`);
      const storage = await openStorage({ databaseUrl: POSTGRES_URL, schema: own });
      opened.push(storage);
      const tables = await storage.db.introspection.getTables();
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['tasks', 'kysely_migration']));
      expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([own]));
    } finally {
      await admin.query('commit').catch(() => undefined);
      await admin.end();
    }
  }, 30_000);
});

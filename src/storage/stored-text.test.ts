import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { dropSchema, freshSchemaName, hasPostgres, POSTGRES_URL } from '../../test/support/services.js';
import { openStorage } from './db.js';
import { storableText } from './stored-text.js';

describe('storableText', () => {
  it('replaces NUL and lone surrogates with U+FFFD and keeps everything else', () => {
    expect(storableText('a\u0000b')).toBe('a\ufffdb');
    expect(storableText('x\ud800')).toBe('x\ufffd');
    expect(storableText('\udc00y')).toBe('\ufffdy');
    expect(storableText('\udc00\ud800')).toBe('\ufffd\ufffd'); // low then high: both lone
    expect(storableText('emoji 😀 and é')).toBe('emoji 😀 and é');
    expect(storableText('\\u0000 written out')).toBe('\\u0000 written out');
    expect(storableText('')).toBe('');
  });

  it('is linear on long hostile strings', () => {
    const hostile = '\ud800'.repeat(500_000) + '\u0000'.repeat(500_000);
    expect(storableText(hostile)).toBe('\ufffd'.repeat(1_000_000));
  });
});

const schema = freshSchemaName();
const dialects = [
  { name: 'SQLite', open: () => openStorage({}), drop: async () => {} },
  { name: 'PostgreSQL', open: () => openStorage({ databaseUrl: POSTGRES_URL, schema }), drop: () => dropSchema(schema), skip: !hasPostgres },
];

for (const dialect of dialects) {
  describe.skipIf(dialect.skip)(`stored text on ${dialect.name}`, () => {
    it('stores, and finds by, text with NUL and lone surrogates as U+FFFD', async () => {
      const storage = await dialect.open();
      try {
        const row = await storage.db
          .insertInto('outbound_posts')
          .values({ provider: 'p\u0000', external_id: 'e\ud800', task_id: null, created_at: 1 })
          .returningAll()
          .executeTakeFirstOrThrow();
        expect(row).toMatchObject({ provider: 'p\ufffd', external_id: 'e\ufffd' });
        const found = await storage.db.selectFrom('outbound_posts').selectAll().where('provider', '=', 'p\u0000').where('external_id', 'in', ['e\ud800']).execute();
        expect(found).toHaveLength(1);
        const raw = await sql<{ n: number }>`select count(*) as n from outbound_posts where provider = ${'p\u0000'}`.execute(storage.db);
        expect(Number(raw.rows[0]!.n)).toBe(1);
      } finally {
        await storage.close();
        await dialect.drop();
      }
    });
  });
}

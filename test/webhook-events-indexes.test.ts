// Issue 13 item 1: a signed delivery's INSERT writes into as few of webhook_events' indexes as its readers need. The
// index of unsigned rows (their retention) is partial since migration 0014: signed rows are not in it, and the
// retention's statements, run for every unsigned post anyone sends, still find their rows through it.
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { STORAGE_DIALECTS, testDatabase } from './support/test-database.js';

const unsigned = (i: number) => ({ webhook_id: null, provider: 'github', headers: {}, head: `{"n":${i}}`, size: 9, why: 'no signature' });
const signed = (i: number) => ({
  event_id: `whe_s${i}`, webhook_id: null, provider: 'github', event_type: 'issue_comment', delivery_id: `d${i}`, dedup_key: `k${i}`, body_key: `b${i}`,
  headers: {}, payload: '{}', verified: true, verification_error: null, outcome: 'ignored', status_code: 200,
});

for (const dialect of STORAGE_DIALECTS) {
  describe.skipIf(dialect.skip)(`webhook_events indexes on ${dialect.name}`, () => {
    const database = testDatabase(dialect.name, 'cca-whe-indexes-');
    afterAll(() => database.close());

    it('the index of unsigned posts holds only them, and their retention reads through it', async () => {
      const { storage, repos } = await database.openRepositories();
      for (let i = 0; i < 5; i++) await repos.webhookEvents.insert(signed(i));
      for (let i = 0; i < 4; i++) await repos.webhookEvents.insertUnverified(unsigned(i), 2);
      expect((await repos.webhookEvents.unverifiedCounts())).toEqual([{ provider: 'github', n: 4 }]);
      const rows = await storage.db.selectFrom('webhook_events').select(['verified']).execute();
      expect(rows.filter((r) => Number(r.verified) === 0)).toHaveLength(2); // the newest two kept
      expect(rows).toHaveLength(7);

      if (dialect.name === 'sqlite') {
        const def = await sql<{ sql: string }>`select sql from sqlite_master where name = 'webhook_events_unverified'`.execute(storage.db);
        expect(def.rows[0]?.sql).toMatch(/\("created_at"\) where verified = 0$/i);
        const plan = await sql<{ detail: string }>`explain query plan delete from webhook_events where verified = 0 and created_at < 5`.execute(storage.db);
        expect(plan.rows.map((r) => r.detail).join('\n')).toMatch(/USING INDEX webhook_events_unverified/);
      } else {
        const def = await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname = 'webhook_events_unverified' and schemaname = current_schema()`.execute(storage.db);
        expect(def.rows[0]?.indexdef).toMatch(/\(created_at\) WHERE \(verified = 0\)$/);
      }
    });
  });
}

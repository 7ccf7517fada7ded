// Upgrading a database the previous release wrote: its dedup keys become hashes (so its deliveries are still
// recognised), deliveries it answered 5xx or left half-processed lose their keys (so their redeliveries run), and its
// unsigned rows are counted and cut to a small head.
import { afterAll, describe, expect, it } from 'vitest';
import { migrateTo } from '../src/storage/migrations/index.js';
import { createRepositories } from '../src/storage/repositories/index.js';
import { deliveryKeys } from '../src/webhooks/delivery-record.js';
import { STORAGE_DIALECTS, testDatabase } from './support/test-database.js';

for (const dialect of STORAGE_DIALECTS) {
  describe.skipIf(dialect.skip)(`migration 0004 (webhook ingest) on ${dialect.name}`, () => {
    const database = testDatabase(dialect.name, 'cca-migrate-');
    afterAll(() => database.close());

    it('keeps old deliveries recognisable and frees the ones that never got an outcome', async () => {
      let storage = await database.open({ migrate: false });
      await migrateTo(storage.db, '0003-registry', dialect.name === 'postgres' ? database.schema : undefined);
      const old = (id: string, fields: Record<string, unknown>) => ({
        event_id: id, webhook_id: null, provider: 'github', event_type: 'issue_comment.created', delivery_id: null, dedup_key: null,
        headers: '{}', payload: '{}', verified: 1, verification_error: null, matched_command: null, explanation: null, rendered_prompt: null,
        task_id: null, outcome: 'accepted', status_code: 202, replay_of: null, created_at: 1000, ...fields,
      });
      const db = storage.db as any;
      await db.insertInto('webhook_events').values([
        old('whe_done', { delivery_id: 'd-done', dedup_key: 'static:github:d-done', task_id: 'task_1' }),
        old('whe_503', { delivery_id: 'd-503', dedup_key: 'static:github:d-503', outcome: 'unavailable', status_code: 503 }),
        old('whe_half', { delivery_id: 'd-half', dedup_key: 'static:github:d-half', outcome: 'received', status_code: 200 }),
        old('whe_unsigned', { verified: 0, outcome: 'verification_failed', status_code: 401, payload: 'x'.repeat(16 * 1024), provider: 'slack' }),
      ]).execute();
      await storage.close();

      storage = await database.open();
      const repos = createRepositories(storage.db);
      const keys = (deliveryId: string) => deliveryKeys('static:github', deliveryId, '(another body)', false);
      expect(await repos.webhookEvents.findSettled(keys('d-done'))).toMatchObject({ event_id: 'whe_done', task_id: 'task_1' });
      expect(await repos.webhookEvents.findSettled(keys('d-503'))).toBeUndefined();
      expect(await repos.webhookEvents.findSettled(keys('d-half'))).toBeUndefined();
      expect((await repos.webhookEvents.get('whe_unsigned'))?.payload).toHaveLength(1024);
      expect(await repos.webhookEvents.unverifiedCounts()).toEqual([{ provider: 'slack', n: 1 }]);
    });
  });
}

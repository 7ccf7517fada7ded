import { afterEach, describe, expect, it } from 'vitest';
import { dropSchema, freshSchemaName, hasPostgres, POSTGRES_URL } from '../../../test/support/services.js';
import { openStorage, type Storage } from '../db.js';
import { createRepositories } from './index.js';

const schema = freshSchemaName();
const dialects = [
  { name: 'SQLite', open: () => openStorage({}), drop: async () => {} },
  { name: 'PostgreSQL', open: () => openStorage({ databaseUrl: POSTGRES_URL, schema }), drop: () => dropSchema(schema), skip: !hasPostgres },
];

const stored = (event_id: string, dedup_key: string | null, body_key: string | null, task_id: string | null) => ({
  event_id, webhook_id: null, provider: 'github', event_type: 'issue_comment', delivery_id: event_id, dedup_key, body_key,
  headers: {}, payload: '{}', verified: true, verification_error: null, outcome: 'accepted', status_code: 202, task_id,
});
const rule = (name: string, priority: number) => ({
  name, trigger: 'issue_comment', aliases: [], options: null, description: null, conditions: null, action: 'create_task', agent: null,
  template: 'do {{text}}', priority, permissions: null, needs_approval: false, stop_after_match: false, enabled: true,
});

for (const dialect of dialects) {
  describe.skipIf(dialect.skip)(`the delivery screen on ${dialect.name}`, () => {
    let storage: Storage | undefined;
    afterEach(async () => {
      await storage?.close();
      await dialect.drop();
    });

    it('finds a stored copy by either key, the own post, the phrase and the rules in order, in one statement', async () => {
      storage = await dialect.open();
      const repos = createRepositories(storage.db);
      await repos.webhookEvents.insert(stored('whe_a', 'dedup-a', 'body-a', 'task_a'));
      await repos.webhookEvents.insert(stored('whe_b', 'dedup-b', 'body-b', null));
      await repos.webhookEvents.recordPost('github', 'comment:7', null);
      const hook = await repos.webhooks.create({ name: 'mine', provider: 'github', secret: 's'.repeat(20), trigger_phrase: '@bot' });
      await repos.webhooks.createCommand(hook.webhook_id, rule('second', 20));
      await repos.webhooks.createCommand(hook.webhook_id, rule('first', 10));
      const screen = (keys: { dedup_key: string | null; body_key: string | null }, ownPostId: string | null, endpoint = hook.webhook_id) =>
        repos.webhookEvents.screen({ keys, provider: 'github', ownPostId, endpoint });

      const fresh = await screen({ dedup_key: 'dedup-new', body_key: 'body-new' }, 'comment:8');
      expect(fresh).toMatchObject({ seen: undefined, ownPost: false, triggerPhrase: '@bot' });
      expect(fresh.commands.map((c) => c.name)).toEqual(['first', 'second']);
      expect(fresh.commands).toEqual(await repos.webhooks.commands(hook.webhook_id));

      // One row's id and task, never one key's row with the other's task.
      expect((await screen({ dedup_key: 'dedup-a', body_key: 'body-b' }, null)).seen?.event_id).toMatch(/^whe_[ab]$/);
      const both = await screen({ dedup_key: 'dedup-a', body_key: 'body-b' }, null);
      expect(both.seen).toEqual(both.seen!.event_id === 'whe_a' ? { event_id: 'whe_a', task_id: 'task_a' } : { event_id: 'whe_b', task_id: null });
      expect((await screen({ dedup_key: 'dedup-b', body_key: 'other' }, null)).seen).toEqual({ event_id: 'whe_b', task_id: null });
      expect((await screen({ dedup_key: null, body_key: 'body-a' }, null)).seen).toEqual({ event_id: 'whe_a', task_id: 'task_a' });
      expect((await screen({ dedup_key: null, body_key: null }, null)).seen).toBeUndefined(); // a replay has no keys

      expect((await screen({ dedup_key: null, body_key: null }, 'comment:7')).ownPost).toBe(true);
      const none = await screen({ dedup_key: null, body_key: null }, 'comment:7', 'static:github');
      expect(none).toMatchObject({ ownPost: true, triggerPhrase: null, commands: [] });
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { hasPostgres, hasRedis } from './support/services.js';

// One run per conversation (issue 12): a follow-up sent while its conversation's run is going waits behind it, even
// with free slots, then resumes the session the run before it left; other conversations are not held up.
const setups = [
  { name: 'SQLite + embedded queue', distributed: false, skip: false },
  { name: 'PostgreSQL + BullMQ on Redis', distributed: true, skip: !(hasPostgres && hasRedis) },
];

const ms = (iso: string | null): number => (iso ? Date.parse(iso) : Number.NaN);

for (const setup of setups) {
  describe.skipIf(setup.skip)(`one run per conversation on ${setup.name}`, () => {
    let model: ScriptedModel;
    let h: Harness;

    beforeAll(async () => {
      model = await startScriptedModel();
      h = await startHarness({ model, distributed: setup.distributed, env: { MAX_CONCURRENT_TASKS: '4' } });
    });
    afterAll(async () => {
      await h?.close();
      await model?.close();
    });

    it('queues follow-ups behind the running task and runs them in order, each resuming the last session', async () => {
      const first = await h.request('POST', '/api/chat', { message: '[[script:slow 5000 first answer]] one' });
      expect(first.status).toBe(202);
      const { task_id: a, conversation_id } = first.body;
      await h.waitForTask(a, ['running']);
      const b = (await h.request('POST', '/api/chat', { message: '[[script:text second answer]] two', conversation_id })).body.task_id;
      const c = (await h.request('POST', '/api/chat', { message: '[[script:text third answer]] three', conversation_id })).body.task_id;
      // Another conversation has a free slot and is not held up by this one.
      const other = (await h.request('POST', '/api/chat', { message: '[[script:text elsewhere]] hi' })).body.task_id;

      const [ta, tb, tc, tOther] = await Promise.all([a, b, c, other].map((id) => h.waitForTask(id, ['completed', 'failed'], 90_000)));
      for (const t of [ta, tb, tc, tOther]) expect(t?.status, t?.error ?? '').toBe('completed');
      expect(ms(tb!.started_at)).toBeGreaterThanOrEqual(ms(ta!.completed_at));
      expect(ms(tc!.started_at)).toBeGreaterThanOrEqual(ms(tb!.completed_at));
      expect(ms(tOther!.started_at)).toBeLessThan(ms(ta!.completed_at));

      // One Claude session throughout: each follow-up resumed the one before, so the model saw the earlier answers.
      expect(tb!.claude_session_id).toBe(ta!.claude_session_id);
      expect(tc!.claude_session_id).toBe(ta!.claude_session_id);
      const third = model.requests.find((r) => r.script === 'text' && JSON.stringify(r.body?.messages ?? []).includes('third answer'));
      const seen = JSON.stringify(third?.body?.messages ?? []);
      expect(seen).toContain('first answer');
      expect(seen).toContain('second answer');
    });

    it('answers a follow-up cancelled while it waits behind the run, so the conversation never has a question left open', async () => {
      const first = await h.request('POST', '/api/chat', { message: '[[script:slow 3000 still going]] one' });
      const { task_id: a, conversation_id } = first.body;
      await h.waitForTask(a, ['running']);
      const b = (await h.request('POST', '/api/chat', { message: '[[script:text never runs]] two', conversation_id })).body.task_id;
      const cancel = await h.request('POST', `/api/tasks/${b}/cancel`);
      expect(cancel.status).toBe(200);
      await h.waitForTask(a, ['completed', 'failed'], 60_000);

      const messages = (await h.request('GET', `/api/conversations/${conversation_id}/messages`)).body.messages as Array<{ task_id: string; role: string; content: string }>;
      const replies = messages.filter((m) => m.task_id === b && m.role === 'assistant');
      expect(replies).toHaveLength(1);
      expect(replies[0]!.content).toMatch(/cancelled/);
      expect(messages.filter((m) => m.task_id === a && m.role === 'assistant')).toHaveLength(1);
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../src/storage/db.js';
import { ZERO_TOTALS } from '../src/storage/repositories/claude-sessions.js';
import type { Repositories } from '../src/storage/repositories/index.js';
import { BadCursorError } from '../src/storage/repositories/cursor.js';
import { compressTranscript } from '../src/storage/transcripts.js';
import { STORAGE_DIALECTS, testDatabase } from './support/test-database.js';

// One suite, every dialect: the same assertions run on SQLite (a temp file) and on the machine's real PostgreSQL
// (a fresh schema dropped afterwards).
for (const dialect of STORAGE_DIALECTS) {
  describe.skipIf(dialect.skip)(`storage on ${dialect.name}`, () => {
    let storage: Storage;
    let repos: Repositories;
    const db = testDatabase(dialect.name, 'cca-storage-');

    beforeAll(async () => {
      ({ storage, repos } = await db.openRepositories());
    });
    afterAll(() => db.close());

    const newTask = (id: string, extra: Partial<Parameters<Repositories['tasks']['create']>[0]> = {}) => ({
      task_id: id,
      session_id: 'sess-1',
      source: 'dashboard',
      input_message: `do ${id}`,
      status: 'queued' as const,
      conversation_id: null,
      flow_id: null,
      parent_task_id: null,
      external_id: null,
      source_metadata: null,
      requester: 'dashboard:alice',
      rule: null,
      assigned_agent: null,
      model: 'sonnet',
      prompt: null,
      system_prompt_append: null,
      permission_mode: null,
      allowed_tools: null,
      disallowed_tools: null,
      max_turns: null,
      budget_usd: null,
      output: null,
      error: null,
      outcome: null,
      duration_ms: null,
      claude_session_id: null,
      resume_session_id: null,
      working_dir: null,
      worker_id: null,
      child_pid: null,
      heartbeat_at: null,
      webhook_event_id: null,
      post_back_error: null,
      started_at: null,
      completed_at: null,
      ...extra,
    });

    it('migrates idempotently', async () => {
      const again = await db.open();
      await again.close();
    });

    it('creates a task and keeps session and conversation totals current', async () => {
      const conv = await repos.conversations.create({ title: 'First', source: 'dashboard' });
      await repos.tasks.create(newTask('task_a', { conversation_id: conv.conversation_id }), 1000);
      await repos.tasks.create(newTask('task_b', { conversation_id: conv.conversation_id }), 2000);
      expect((await repos.sessions.get('sess-1'))?.total_tasks).toBe(2);
      expect((await repos.conversations.get(conv.conversation_id))?.task_count).toBe(2);

      expect(await repos.tasks.transition('task_a', 'claim', { started_at: 1100 })).toMatchObject({ status: 'running' });
      const done = await repos.tasks.transition('task_a', 'complete', { cost_usd: 0.25, claude_session_id: 'cs-1', outcome: 'success' });
      expect(done).toMatchObject({ status: 'completed', cost_usd: 0.25 });
      expect((await repos.sessions.get('sess-1'))?.total_cost_usd).toBeCloseTo(0.25);
      const conversation = await repos.conversations.get(conv.conversation_id);
      expect(conversation?.total_cost_usd).toBeCloseTo(0.25);
      expect(conversation?.claude_session_id).toBe('cs-1');
    });

    it('refuses illegal transitions in the database itself', async () => {
      await repos.tasks.create(newTask('task_c'));
      expect(await repos.tasks.transition('task_c', 'complete')).toBeUndefined(); // queued → completed skips running
      expect(await repos.tasks.transition('task_c', 'approve')).toBeUndefined(); // only a waiting task is approved
      expect(await repos.tasks.transition('task_c', 'cancelPending')).toMatchObject({ status: 'cancelled' });
      expect(await repos.tasks.transition('task_c', 'claim')).toBeUndefined();
      expect(await repos.tasks.transition('task_c', 'complete')).toBeUndefined();
      expect((await repos.tasks.get('task_c'))?.status).toBe('cancelled');
    });

    it('lets exactly one of two racing claims win', async () => {
      await repos.tasks.create(newTask('task_race'));
      const results = await Promise.all([repos.tasks.transition('task_race', 'claim'), repos.tasks.transition('task_race', 'claim')]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('pages tasks newest first with keyset cursors and filters', async () => {
      for (let i = 0; i < 7; i++) await repos.tasks.create(newTask(`task_p${i}`, { session_id: 'sess-page', source: i % 2 ? 'github' : 'slack' }), 10_000 + i);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await repos.tasks.list({ session_id: 'sess-page', limit: 3, cursor });
        seen.push(...page.tasks.map((t) => t.task_id));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(['task_p6', 'task_p5', 'task_p4', 'task_p3', 'task_p2', 'task_p1', 'task_p0']);
      const github = await repos.tasks.list({ session_id: 'sess-page', source: 'github', limit: 10 });
      expect(github.tasks.map((t) => t.task_id)).toEqual(['task_p5', 'task_p3', 'task_p1']);
      await expect(repos.tasks.list({ limit: 3, cursor: 'garbage' })).rejects.toBeInstanceOf(BadCursorError);
    });

    it('stores events in seq order and replays after a seq', async () => {
      await repos.tasks.create(newTask('task_ev'));
      await repos.events.append([1, 2, 3].map((seq) => ({ task_id: 'task_ev', seq, type: 'task.output', item: { kind: 'text', text: `t${seq}` }, created_at: seq })));
      await repos.events.append([{ task_id: 'task_ev', seq: 4, type: 'task.output', item: { kind: 'text', text: 'ü ✓' }, created_at: 4 }]);
      const after = await repos.events.listAfter('task_ev', 2, 100);
      expect(after.map((e) => e.seq)).toEqual([3, 4]);
      expect(after[1]?.item).toEqual({ kind: 'text', text: 'ü ✓' });
      expect((await repos.tasks.get('task_ev'))?.event_count).toBe(4);
      await expect(
        repos.events.append([{ task_id: 'task_ev', seq: 4, type: 'task.output', item: {}, created_at: 5 }]),
      ).rejects.toThrow();
    });

    it('finds conversations by title literally, any case, and by kind', async () => {
      await repos.conversations.create({ title: 'Ship 50%_Off banner', source: 'dashboard' });
      await repos.conversations.create({ title: 'ship 50x off', source: 'github' });
      const titles = async (opts: { q?: string; kind?: 'chat' | 'thread' }) => (await repos.conversations.list({ limit: 50, ...opts })).conversations.map((c) => c.title).sort();
      expect(await titles({ q: 'SHIP 50' })).toEqual(['Ship 50%_Off banner', 'ship 50x off']);
      expect(await titles({ q: '50%_off' })).toEqual(['Ship 50%_Off banner']);
      expect(await titles({ q: 'ship 50', kind: 'thread' })).toEqual(['ship 50x off']);
    });

    it('keeps conversations, their messages and deletion consistent', async () => {
      const conv = await repos.conversations.create({ title: 'Talk', source: 'dashboard' });
      for (let i = 0; i < 5; i++) await repos.conversations.addMessage({ conversation_id: conv.conversation_id, role: i % 2 ? 'assistant' : 'user', content: `m${i}` }, 500 + i);
      const last3 = await repos.conversations.messages(conv.conversation_id, { limit: 3 });
      expect(last3.messages.map((m) => m.content)).toEqual(['m2', 'm3', 'm4']);
      const earlier = await repos.conversations.messages(conv.conversation_id, { limit: 3, before: last3.before_cursor! });
      expect(earlier.messages.map((m) => m.content)).toEqual(['m0', 'm1']);
      expect((await repos.conversations.get(conv.conversation_id))?.message_count).toBe(5);
      expect(await repos.conversations.update(conv.conversation_id, { title: 'Renamed', archived: true })).toMatchObject({ title: 'Renamed', archived: 1 });
      await repos.tasks.create(newTask('task_in_conv', { conversation_id: conv.conversation_id }));
      expect(await repos.conversations.delete(conv.conversation_id)).toBe(true);
      expect(await repos.conversations.get(conv.conversation_id)).toBeUndefined();
      expect((await repos.conversations.messages(conv.conversation_id, { limit: 10 })).messages).toEqual([]);
      expect((await repos.tasks.get('task_in_conv'))?.conversation_id).toBeNull();
      expect(await repos.conversations.delete(conv.conversation_id)).toBe(false);
      // A run's reply to a conversation deleted while it ran is not written (and does not fail).
      expect(await repos.conversations.addMessageIfPresent({ conversation_id: conv.conversation_id, role: 'assistant', content: 'late' })).toBeUndefined();
      expect(await storage.db.selectFrom('conversation_messages').select('message_id').where('conversation_id', '=', conv.conversation_id).execute()).toEqual([]);
      const kept = await repos.conversations.create({ title: 'kept', source: 'dashboard' });
      expect(await repos.conversations.addMessageIfPresent({ conversation_id: kept.conversation_id, role: 'assistant', content: 'on time' })).toMatchObject({ content: 'on time' });
      expect((await repos.conversations.get(kept.conversation_id))?.message_count).toBe(1);
    });

    it('upserts Claude session transcripts and running totals', async () => {
      const totals = { total_cost_usd: 0.5, input_tokens: 10, output_tokens: 20, cache_read_tokens: 1, cache_creation_tokens: 2 };
      await repos.claudeSessions.save('cs-x', null, 'line1\n', totals);
      await repos.claudeSessions.save('cs-x', null, 'line1\nline2\n', { ...totals, total_cost_usd: 0.75 });
      expect(await repos.claudeSessions.get('cs-x')).toBe('line1\nline2\n');
      expect(await repos.claudeSessions.totals('cs-x')).toEqual({ ...totals, total_cost_usd: 0.75 });
      await repos.claudeSessions.save('cs-x', null, null, { ...totals, total_cost_usd: 0.9 });
      expect(await repos.claudeSessions.get('cs-x')).toBe('line1\nline2\n');
      expect((await repos.claudeSessions.totals('cs-y')).total_cost_usd).toBe(0);
    });

    it('keeps a transcript with a long reply whole, its parts stored once, a part shared by two sessions once', async () => {
      const reply = Array.from({ length: 40_000 }, (_, i) => `line ${i} of a long reply`).join('\n');
      const transcript = (id: string) => `${JSON.stringify({ type: 'assistant', uuid: id, message: { content: [{ type: 'text', text: reply }] } })}\n`;
      await repos.claudeSessions.save('cs-long-1', 'conv-1', transcript('u1'), ZERO_TOTALS);
      const parts = await storage.db.selectFrom('transcript_parts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      await repos.claudeSessions.save('cs-long-2', 'conv-2', transcript('u2'), ZERO_TOTALS);
      const after = await storage.db.selectFrom('transcript_parts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(parts.n)).toBeGreaterThan(100);
      expect(Number(after.n)).toBe(Number(parts.n)); // the second session's reply added no part
      expect(await repos.claudeSessions.get('cs-long-1')).toBe(transcript('u1'));
      expect(await repos.claudeSessions.get('cs-long-2')).toBe(transcript('u2'));
    });

    it("keeps only a conversation's latest session transcript (the one it resumes), and reads one saved whole before 0012", async () => {
      await repos.claudeSessions.save('cs-first', 'conv-latest', 'first session\n', ZERO_TOTALS);
      await repos.claudeSessions.save('cs-other', 'conv-other', 'another conversation\n', ZERO_TOTALS);
      await repos.claudeSessions.save('cs-second', 'conv-latest', 'second session\n', { ...ZERO_TOTALS, total_cost_usd: 2 });
      expect(await repos.claudeSessions.get('cs-first')).toBeUndefined();
      expect(await repos.claudeSessions.get('cs-second')).toBe('second session\n');
      expect(await repos.claudeSessions.get('cs-other')).toBe('another conversation\n');

      const whole = await compressTranscript('{"type":"user"}\n');
      await storage.db.insertInto('claude_sessions').values({ session_id: 'cs-before-0012', conversation_id: null, transcript: '', transcript_br: whole, updated_at: 1 }).execute();
      expect(await repos.claudeSessions.get('cs-before-0012')).toBe('{"type":"user"}\n');
    });
  });
}

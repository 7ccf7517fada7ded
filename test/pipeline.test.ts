import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { hasPostgres, hasRedis } from './support/services.js';

// The spine, end to end: a chat message becomes a real Claude Code run against the scripted model, streamed over
// WebSocket while it runs, costed, and continued by a follow-up in the same Claude session.
const setups = [
  { name: 'SQLite + embedded queue', distributed: false, skip: false },
  { name: 'PostgreSQL + BullMQ on Redis', distributed: true, skip: !(hasPostgres && hasRedis) },
];

for (const setup of setups) {
  describe.skipIf(setup.skip)(`pipeline on ${setup.name}`, () => {
    let model: ScriptedModel;
    let h: Harness;

    beforeAll(async () => {
      model = await startScriptedModel();
      h = await startHarness({ model, distributed: setup.distributed });
    });
    afterAll(async () => {
      await h?.close();
      await model?.close();
    });

    it('runs a chat message through Claude Code with a tool call, live, and resumes the session on a follow-up', async () => {
      const live = await h.connect('session-e2e');
      const sent = await h.request('POST', '/api/chat', { message: '[[script:tool]] please write the file', session_id: 'session-e2e' });
      expect(sent.status).toBe(202);
      const { task_id, conversation_id } = sent.body;
      expect(task_id).toMatch(/^task_/);
      expect(conversation_id).toMatch(/^conv_/);

      const done = await live.waitFor((e) => e.task_id === task_id && e.type === 'task.completed');
      const mine = live.events.filter((e: any) => e.task_id === task_id) as any[];
      const types = mine.map((e) => e.type);
      expect(types[0]).toBe('task.created');
      expect(types[1]).toBe('task.started');
      expect(types.at(-1)).toBe('task.completed');
      const outputs = mine.filter((e) => e.type === 'task.output');
      expect(outputs.map((e) => e.seq)).toEqual(outputs.map((_, i) => i + 1)); // per-task seq from 1, no gap
      const kinds = outputs.map((e) => e.item.kind);
      expect(kinds[0]).toBe('init');
      expect(kinds).toEqual(expect.arrayContaining(['tool_use', 'tool_result', 'text_delta', 'text', 'result']));
      expect(kinds.indexOf('text_delta')).toBeLessThan(kinds.lastIndexOf('text')); // text streams before the block is whole
      expect(kinds.indexOf('tool_use')).toBeLessThan(kinds.indexOf('tool_result'));
      expect(kinds.at(-1)).toBe('result');

      // The tool really ran: the file is in the conversation's workspace, which its every turn shares.
      const workspace = path.join(h.dataDir, 'workspaces', conversation_id);
      expect(fs.readFileSync(path.join(workspace, 'hello.txt'), 'utf8')).toContain('hello from the scripted model');

      const task = done.task;
      expect(task.status).toBe('completed');
      expect(task.outcome).toBe('success');
      expect(task.cost_usd).toBeGreaterThan(0);
      expect(task.input_tokens).toBeGreaterThan(0);
      expect(task.output_tokens).toBeGreaterThan(0);
      expect(task.num_turns).toBe(2);
      expect(task.claude_session_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(task.output).toContain('Wrote hello.txt');

      const stored = await h.request('GET', `/api/tasks/${task_id}`);
      expect(stored.body).toMatchObject({ status: 'completed', claude_session_id: task.claude_session_id, cost_usd: task.cost_usd });

      // Replay returns what the socket delivered after a given seq; once the run has ended, the deltas a text item
      // completed are folded into it (their rows stay, emptied, so the numbering is whole).
      const replay = await h.request('GET', `/api/tasks/${task_id}/events?after=2`);
      expect(replay.status).toBe(200);
      expect(replay.body.events.map((e: any) => e.seq)).toEqual(outputs.slice(2).map((e) => e.seq));
      const folded = (item: any) => (item.kind === 'text_delta' ? { kind: 'text_delta', text: '' } : item);
      expect(replay.body.events.map((e: any) => e.item)).toEqual(outputs.slice(2).map((e) => folded(e.item)));

      // The conversation holds the exchange.
      const messages = await h.request('GET', `/api/conversations/${conversation_id}/messages`);
      expect(messages.body.messages.map((m: any) => m.role)).toEqual(['user', 'assistant']);

      // A follow-up in the same conversation resumes the same Claude session: the model sees the earlier turn.
      model.reset();
      const again = await h.request('POST', '/api/chat', { message: '[[script:text Second answer.]] and now?', conversation_id, session_id: 'session-e2e' });
      expect(again.status).toBe(202);
      expect(again.body.conversation_id).toBe(conversation_id);
      const second = await h.waitForTask(again.body.task_id);
      expect(second.status).toBe('completed');
      expect(second.output).toBe('Second answer.');
      expect(second.claude_session_id).toBe(task.claude_session_id);
      const mainRequest = model.requests.find((r) => r.script === 'text');
      expect(mainRequest?.sessionId).toBe(task.claude_session_id);
      expect(JSON.stringify(mainRequest?.body.messages)).toContain('please write the file');
      // Claude Code reports a resumed session's cost cumulatively; each task is charged only its own run.
      const secondEvents = await h.request('GET', `/api/tasks/${again.body.task_id}/events`);
      const cumulative = secondEvents.body.events.find((e: any) => e.item.kind === 'result').item.total_cost_usd;
      expect(cumulative).toBeGreaterThan(second.cost_usd);
      expect(second.cost_usd + task.cost_usd).toBeCloseTo(cumulative, 9);
      live.close();
    });

    it('records an error result as failed with the reason, never completed', async () => {
      // The chat API runs with DEFAULT_MAX_TURNS; a task with its own limit is created through the task service.
      const looped = await h.services.tasks.create({ session_id: 's', source: 'test', input_message: '[[script:loop]] again', max_turns: 2 });
      const failed = await h.waitForTask(looped.task_id);
      expect(failed.status).toBe('failed');
      expect(failed.outcome).toBe('error');
      expect(failed.error).toContain('error_max_turns');
      expect(failed.cost_usd).toBeGreaterThan(0);
    });
  });
}

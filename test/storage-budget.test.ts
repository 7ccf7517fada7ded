import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBytes, transcriptBytes } from './support/database-bytes.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { SERVICE_SETUPS } from './support/services.js';

// Storage with a budget (issue 13 item 4). Bytes are counted as the database keeps them on disk (SQLite pages in use,
// PostgreSQL relation sizes after VACUUM FULL), before and after a batch of tasks, so the figure per task holds every
// table and index the tasks touched. A warm-up batch first gives every table and index its first pages.
const TYPICAL_BUDGET_BYTES = 20 * 1024;
const BATCH = 8;

for (const setup of SERVICE_SETUPS) {
  describe.skipIf(setup.skip)(`database bytes per task on ${setup.name}`, () => {
    let model: ScriptedModel;
    let h: Harness;

    beforeAll(async () => {
      model = await startScriptedModel();
      h = await startHarness({ model, distributed: setup.distributed });
      await runAll([0, 1, 2].map((i) => chat(`[[script:text Warm-up answer ${i}.]] hello`)).concat([single('[[script:text Warm-up.]] hi')]));
    }, 180_000);
    afterAll(async () => {
      await h?.close();
      await model?.close();
    });

    /** A dashboard chat message: a conversation of its own, so its Claude session is kept to resume. */
    async function chat(message: string): Promise<string> {
      const sent = await h.request('POST', '/api/chat', { message });
      expect(sent.status).toBe(202);
      return sent.body.task_id;
    }
    /** A task without a conversation: nothing can resume it. */
    async function single(message: string): Promise<string> {
      return (await h.services.tasks.create({ session_id: 'budget', source: 'test', input_message: message })).task_id;
    }
    async function runAll(started: Array<Promise<string>>): Promise<string[]> {
      const ids = await Promise.all(started);
      for (const id of ids) expect((await h.waitForTask(id, undefined, 120_000)).status).toBe('completed');
      return ids;
    }
    /** Database bytes per task of a batch, and the task ids. */
    async function measure(start: (i: number) => Promise<string>, count = BATCH): Promise<{ perTask: number; ids: string[] }> {
      const before = await databaseBytes(h.services.storage);
      const ids = await runAll(Array.from({ length: count }, (_, i) => start(i)));
      return { perTask: ((await databaseBytes(h.services.storage)) - before) / count, ids };
    }

    it(`keeps a one-line task that cannot be resumed within ${TYPICAL_BUDGET_BYTES / 1024} KB, with no transcript`, async () => {
      const kept = await transcriptBytes(h.services.storage);
      const { perTask, ids } = await measure((i) => single(`[[script:text The answer to question ${i} is one line.]] what is ${i}?`));
      console.log(`${setup.name}: ${Math.round(perTask)} bytes of database per one-line task without a conversation`);
      expect(perTask).toBeLessThanOrEqual(TYPICAL_BUDGET_BYTES);
      expect((await transcriptBytes(h.services.storage)).count).toBe(kept.count);
      const done = await h.request('GET', `/api/tasks/${ids[0]}`);
      expect(done.body.claude_session_id).toBeTruthy(); // the session's totals are kept, its transcript is not
    }, 300_000);

    it(`keeps a one-line chat task, with the transcript to resume it, within ${TYPICAL_BUDGET_BYTES / 1024} KB, and replays its final text`, async () => {
      const kept = await transcriptBytes(h.services.storage);
      const { perTask, ids } = await measure((i) => chat(`[[script:text The answer to question ${i} is one line.]] what is ${i}?`));
      const transcripts = await transcriptBytes(h.services.storage);
      const perTranscript = (transcripts.stored - kept.stored) / BATCH;
      const raw = (await h.services.repos.claudeSessions.get((await h.request('GET', `/api/tasks/${ids[0]}`)).body.claude_session_id))!.length;
      console.log(`${setup.name}: ${Math.round(perTask)} bytes per one-line chat task, of which ${Math.round(perTranscript)} its transcript (${raw} bytes raw)`);
      expect(transcripts.count - kept.count).toBe(BATCH);
      expect(perTask).toBeLessThanOrEqual(TYPICAL_BUDGET_BYTES);
      expect(perTranscript).toBeLessThanOrEqual(raw / 10);

      const task = (await h.request('GET', `/api/tasks/${ids[3]}`)).body;
      const events = (await h.request('GET', `/api/tasks/${ids[3]}/events?after=0&limit=1000`)).body.events;
      const text = events.filter((e: any) => e.item.kind === 'text').at(-1).item.text;
      expect(text).toBe('The answer to question 3 is one line.');
      expect(events.find((e: any) => e.item.kind === 'result').item.result).toBe(task.output);
      const messages = (await h.request('GET', `/api/conversations/${task.conversation_id}/messages`)).body.messages;
      expect(messages.map((m: any) => m.content)).toEqual([expect.stringContaining('what is 3?'), 'The answer to question 3 is one line.']);
    }, 300_000);

    it('resumes turn 2 of a conversation from the stored transcript alone, with no Claude state left on disk', async () => {
      const first = (await h.waitForTask(await chat('[[script:text The first answer is 42.]] remember the number'))) as { conversation_id: string; claude_session_id: string };
      const stored = await h.services.storage.db.selectFrom('claude_sessions').select('transcript_split').where('session_id', '=', first.claude_session_id).executeTakeFirstOrThrow();
      expect(Number(stored.transcript_split)).toBe(1); // kept as a skeleton and shared parts
      fs.rmSync(path.join(h.dataDir, 'claude-state'), { recursive: true, force: true });

      model.reset();
      const sent = await h.request('POST', '/api/chat', { message: '[[script:text It was 42.]] which number?', conversation_id: first.conversation_id });
      const second = await h.waitForTask(sent.body.task_id);
      expect(second.status).toBe('completed');
      expect(second.claude_session_id).toBe(first.claude_session_id); // resumed, not started afresh
      const request = model.requests.find((r) => r.script === 'text');
      expect(request?.sessionId).toBe(first.claude_session_id);
      const seen = JSON.stringify(request?.body.messages);
      expect(seen).toContain('remember the number');
      expect(seen).toContain('The first answer is 42.');
      expect(await h.services.repos.claudeSessions.get(first.claude_session_id)).toContain('which number?');
    }, 300_000);

    it('keeps a large reply in about its own size (not one copy per place it shows) and replays it whole', async () => {
      const { perTask, ids } = await measure(() => single('[[script:long 1024]] a long one'), 1);
      const task = (await h.request('GET', `/api/tasks/${ids[0]}`)).body;
      const output = task.output as string;
      expect(output.length).toBeGreaterThan(1000 * 1024);
      console.log(`${setup.name}: ${Math.round(perTask)} bytes of database for a reply of ${output.length} characters`);
      expect(perTask).toBeLessThanOrEqual(2 * output.length + TYPICAL_BUDGET_BYTES);
      const events = (await h.request('GET', `/api/tasks/${ids[0]}/events?after=0&limit=1000`)).body.events;
      const deltas = events.filter((e: any) => e.item.kind === 'text_delta');
      expect(deltas.length).toBeGreaterThan(0);
      expect(deltas.every((e: any) => e.item.text === '')).toBe(true); // folded into the text item
      expect(events.filter((e: any) => e.item.kind === 'text').at(-1).item.text).toBe(output);
      expect(events.map((e: any) => e.seq)).toEqual(events.map((_: unknown, i: number) => i + 1));
    }, 300_000);
  });
}

/**
 * No silent gaps: when storing a batch of a run's events fails, the write is retried; if it keeps failing the run is
 * stopped and the task fails with a clear error, and the stored events stay numbered 1..N without a hole. The
 * failure is real: a trigger in the database refuses the insert of one event (seq 3) of the test's task.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { hasPostgres, hasRedis } from './support/services.js';

const MARKER = 'FAIL-EVENT-WRITES';

const dialects = [
  { name: 'SQLite', distributed: false, enabled: true },
  { name: 'PostgreSQL + Redis', distributed: true, enabled: hasPostgres && hasRedis },
];

/** Refuses to store seq 3 of any task whose message holds the marker, while test_fail_switch has a row. */
async function installFailingTrigger(h: Harness): Promise<void> {
  const db = h.services.storage.db;
  await sql`CREATE TABLE test_fail_switch (on_ integer)`.execute(db);
  if (h.services.storage.dialect === 'sqlite') {
    await sql
      .raw(
        `CREATE TRIGGER test_fail_event_write BEFORE INSERT ON task_events
         WHEN NEW.seq = 3 AND EXISTS (SELECT 1 FROM test_fail_switch)
           AND NEW.task_id IN (SELECT task_id FROM tasks WHERE input_message LIKE '%${MARKER}%')
         BEGIN SELECT RAISE(ABORT, 'test trigger: task_events refuses this write'); END`,
      )
      .execute(db);
  } else {
    await sql
      .raw(
        `CREATE FUNCTION test_fail_event_write() RETURNS trigger AS $$ BEGIN
           IF NEW.seq = 3 AND EXISTS (SELECT 1 FROM test_fail_switch)
              AND EXISTS (SELECT 1 FROM tasks WHERE task_id = NEW.task_id AND input_message LIKE '%${MARKER}%') THEN
             RAISE EXCEPTION 'test trigger: task_events refuses this write';
           END IF;
           RETURN NEW;
         END $$ LANGUAGE plpgsql`,
      )
      .execute(db);
    await sql.raw(`CREATE TRIGGER test_fail_event_write BEFORE INSERT ON task_events FOR EACH ROW EXECUTE FUNCTION test_fail_event_write()`).execute(db);
  }
}

for (const dialect of dialects) {
  describe.skipIf(!dialect.enabled)(`a failed event write on ${dialect.name}`, () => {
    let model: ScriptedModel;
    let h: Harness;
    const logLines: string[] = [];

    beforeAll(async () => {
      model = await startScriptedModel();
      h = await startHarness({ model, distributed: dialect.distributed, logLines, env: { LOG_LEVEL: 'warn' } });
      await installFailingTrigger(h);
    });
    afterAll(async () => {
      await h?.close();
      await model?.close();
    });

    const setSwitch = async (on: boolean) => {
      const db = h.services.storage.db;
      if (on) await sql`INSERT INTO test_fail_switch (on_) VALUES (1)`.execute(db);
      else await sql`DELETE FROM test_fail_switch`.execute(db);
    };
    const storedSeqs = async (taskId: string) => (await h.request('GET', `/api/tasks/${taskId}/events?after=0&limit=1000`)).body.events.map((e: any) => e.seq);
    const start = async () => {
      // Three Bash turns 300 ms apart: events are written in several batches, and some come after seq 3.
      const sent = await h.request('POST', '/api/chat', { message: `[[script:steps 3 300]] ${MARKER}` });
      expect(sent.status).toBe(202);
      return sent.body.task_id as string;
    };

    it('is retried, and a write that succeeds on a later attempt leaves every event in place', async () => {
      await setSwitch(true);
      const taskId = await start();
      // The first attempt fails for real; the database is "repaired" once the service says it will try again.
      const retrying = () => logLines.some((l) => l.includes('storing task events failed; retrying') && l.includes(taskId));
      const deadline = Date.now() + 45_000;
      while (!retrying() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await setSwitch(false);
      expect(retrying()).toBe(true);
      const done = await h.waitForTask(taskId);
      expect(done.status).toBe('completed');
      expect(done.output).toBe('Done after 3 steps.');
      const seqs = await storedSeqs(taskId);
      expect(seqs).toEqual(Array.from({ length: done.event_count }, (_, i) => i + 1));
      expect(seqs.length).toBeGreaterThan(3);
    }, 120_000);

    it('that keeps failing stops the run and fails the task with a clear error, leaving no gap', async () => {
      await setSwitch(true);
      try {
        const taskId = await start();
        const done = await h.waitForTask(taskId);
        expect(done.status).toBe('failed');
        expect(done.outcome).toBe('error');
        expect(done.error).toMatch(/could not store the run's events 3–\d+ after 4 attempts \(.*task_events refuses this write.*\); the run was stopped so its record has no gap/);
        // What came before the lost batch is stored, nothing after it: numbered without a hole.
        const seqs = await storedSeqs(taskId);
        expect(seqs).toEqual(Array.from({ length: done.event_count }, (_, i) => i + 1));
        expect(done.event_count).toBeLessThan(3);
      } finally {
        await setSwitch(false);
      }
    });
  });
}

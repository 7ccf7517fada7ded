// PostgreSQL restarted mid-run: a cluster of the test's own is stopped for a few seconds and started again while a
// task runs, and the shared server ends every connection of a service again and again. Either way the run completes,
// every event is stored (seq 1…n, no gap) and the final status is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownPostgres, type OwnPostgres, sleep, terminatePostgresConnections } from './support/faults.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { freshSchemaName, hasPostgres, hasRedis, POSTGRES_URL } from './support/services.js';
import pg from 'pg';

describe.skipIf(!hasPostgres || !hasRedis)('PostgreSQL connections lost mid-run', () => {
  let model: ScriptedModel;
  let h: Harness;
  const schema = freshSchemaName();

  beforeAll(async () => {
    model = await startScriptedModel();
    h = await startHarness({ model, distributed: true, schema });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
  });

  it('the run completes with all its events and its final status', async () => {
    const sent = await h.request('POST', '/api/chat', { message: '[[script:steps 5 400]] work through a restart' });
    expect(sent.status).toBe(202);
    await h.waitForTask(sent.body.task_id, ['running']);
    // Every 200 ms until the task has its final status, whatever the service is doing: idle pool connections and
    // queries in flight alike, the run's event writes and its final update included.
    const status = new pg.Client({ connectionString: POSTGRES_URL });
    await status.connect();
    let ended = 0;
    const deadline = Date.now() + 60_000;
    try {
      for (;;) {
        ended += await terminatePostgresConnections(schema);
        const row = await status.query(`select status from "${schema}".tasks where task_id = $1`, [sent.body.task_id]);
        if (!['queued', 'running'].includes(row.rows[0].status) || Date.now() > deadline) break;
        await sleep(200);
      }
    } finally {
      await status.end();
    }
    expect(ended).toBeGreaterThan(3);
    const done = await h.waitForTask(sent.body.task_id, ['completed', 'failed'], 90_000);
    expect(done).toMatchObject({ status: 'completed', output: 'Done after 5 steps.', attempts: 1 });
    const events = (await h.request('GET', `/api/tasks/${sent.body.task_id}/events?limit=1000`)).body.events;
    const seqs = events.map((e: any) => e.seq);
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
    expect(done.event_count).toBe(seqs.length);
    expect(events.filter((e: any) => e.item.kind === 'tool_use')).toHaveLength(5);
    expect((await h.request('GET', '/health')).status).toBe(200);
  }, 120_000);
});

describe.skipIf(!hasRedis)('PostgreSQL restarted mid-run (a cluster of the test\'s own)', () => {
  let model: ScriptedModel;
  let db: OwnPostgres;
  let h: Harness;

  beforeAll(async () => {
    model = await startScriptedModel();
    db = await ownPostgres();
    h = await startHarness({ model, distributed: true, env: { DATABASE_URL: db.url } });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    db?.drop();
    await model?.close();
  });

  it('writes refused while the server is down are retried: the run completes with all its events', async () => {
    const sent = await h.request('POST', '/api/chat', { message: '[[script:steps 6 500]] work through a restart' });
    await h.waitForTask(sent.body.task_id, ['running']);
    await sleep(800);
    db.stop();
    await sleep(10_000); // longer than the event recorder alone rides out; the run goes on meanwhile: its events and heartbeats find no server
    db.start();
    const done = await h.waitForTask(sent.body.task_id, ['completed', 'failed'], 90_000);
    expect(done).toMatchObject({ status: 'completed', output: 'Done after 6 steps.', attempts: 1 });
    const events = (await h.request('GET', `/api/tasks/${sent.body.task_id}/events?limit=1000`)).body.events;
    const seqs = events.map((e: any) => e.seq);
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
    expect(done.event_count).toBe(seqs.length);
    expect(events.filter((e: any) => e.item.kind === 'tool_use')).toHaveLength(6);
  }, 120_000);
});

// Issue 15 item 4: an alert storm joins one task. Two API processes (two services on one PostgreSQL schema and one
// Redis prefix) receive the storm at once, so the join is decided by the database, not by either process's memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProvider, startFakeJira, startFakeSentry } from './support/fake-providers.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { fixture, webhookEnv, webhookSender } from './support/send-webhook.js';
import { freshRedisPrefix, freshSchemaName } from './support/services.js';

process.env.CLAUDE_CODE_MAX_RETRIES = '1';

describe('alert storms join one task (issue 15, item 4)', () => {
  let model: ScriptedModel;
  let jira: FakeProvider;
  let sentry: FakeProvider;
  let a: Harness;
  let b: Harness;
  const secondDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-storm-b-'));

  beforeAll(async () => {
    model = await startScriptedModel();
    jira = await startFakeJira();
    sentry = await startFakeSentry();
    const shared = { model, distributed: true, schema: freshSchemaName(), redisPrefix: freshRedisPrefix(), env: { ...webhookEnv({ jira: jira.url, sentry: sentry.url }), STORM_WINDOW_SECONDS: '60' } };
    a = await startHarness(shared);
    b = await startHarness({ ...shared, dataDir: secondDataDir }); // not the owner: `a` drops the schema
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    fs.rmSync(secondDataDir, { recursive: true, force: true });
    await Promise.all([model, jira, sentry].map((s) => s?.close()));
  });

  /** An event alert of Sentry issue `issueId`; the run it starts lasts long enough for the whole storm to arrive. */
  let events = 0;
  const alert = (issueId: string) => {
    const payload = fixture('sentry/event_alert_triggered.json');
    payload.data.event.issue_id = issueId;
    payload.data.event.event_id = `e${String(++events).padStart(31, '0')}`; // each event its own (an equal body is a duplicate)
    payload.data.event.title = 'ZeroDivisionError [[script:slow 60000 Still looking.]]';
    return payload;
  };

  it('ten Sentry events of one issue, sent at once to two API processes, make one task that counts ten', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => webhookSender((i % 2 ? b : a).url).sentry('event_alert', alert('3330001'))));
    const started = answers.filter((r) => r.status === 202);
    expect(started).toHaveLength(1);
    const taskId = started[0]!.body.task_id as string;
    const merged = answers.filter((r) => r.status === 200);
    expect(merged).toHaveLength(9);
    expect(merged.every((r) => r.body.merged === true && r.body.task_id === taskId)).toBe(true);

    const task = (await a.request('GET', `/api/tasks/${taskId}`)).body;
    expect(task.delivery_count).toBe(10);
    const sentryTasks = (await b.request('GET', '/api/tasks?limit=100')).body.tasks.filter((t: { source: string }) => t.source === 'sentry');
    expect(sentryTasks).toHaveLength(1);

    // Once that task has ended, the next event of the issue starts a task of its own.
    expect((await a.request('POST', `/api/tasks/${taskId}/cancel`)).status).toBeLessThan(300);
    await a.waitForTask(taskId, ['cancelled']);
    const after = await webhookSender(b.url).sentry('event_alert', alert('3330001'));
    expect(after.status).toBe(202);
    expect(after.body.task_id).not.toBe(taskId);
    await a.request('POST', `/api/tasks/${after.body.task_id}/cancel`);
    await a.waitForTask(after.body.task_id, ['cancelled', 'completed', 'failed']);
  });

  it('events of another issue are not joined', async () => {
    const first = await webhookSender(a.url).sentry('event_alert', alert('3330002'));
    const other = await webhookSender(a.url).sentry('event_alert', alert('3330003'));
    expect([first.status, other.status]).toEqual([202, 202]);
    for (const id of [first.body.task_id, other.body.task_id]) {
      await a.request('POST', `/api/tasks/${id}/cancel`);
      await a.waitForTask(id, ['cancelled', 'completed', 'failed']);
    }
  });

  it('one Jira comment delivered twice in a burst (two deliveries, two timestamps) runs once', async () => {
    const delivery = (timestamp: number) => {
      const payload = fixture('jira/comment_created.json');
      payload.timestamp = timestamp;
      payload.comment.body = '@agent analyze [[script:slow 60000 Looking.]] the crash';
      payload.comment.author.accountId = '557058:burst-author';
      payload.issue.key = 'BURST-1';
      return payload;
    };
    const [one, two] = await Promise.all([webhookSender(a.url).jira(delivery(1_700_000_000_001)), webhookSender(b.url).jira(delivery(1_700_000_000_002))]);
    expect([one!.status, two!.status].sort()).toEqual([200, 202]);
    const taskId = (one!.status === 202 ? one : two)!.body.task_id as string;
    expect((one!.status === 200 ? one : two)!.body).toEqual({ merged: true, task_id: taskId, delivery_count: 2 });
    expect((await a.request('GET', `/api/tasks/${taskId}`)).body.delivery_count).toBe(2);
    await a.request('POST', `/api/tasks/${taskId}/cancel`);
    await a.waitForTask(taskId, ['cancelled', 'completed', 'failed']);
  });
});

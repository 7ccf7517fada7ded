// Issue 15 item 7: a rule may fire on a cron schedule. Each slot fires exactly once however many workers look: two
// schedulers on one PostgreSQL schema race the same slot and one task comes of it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleScheduler } from '../src/webhooks/scheduler.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { freshRedisPrefix, freshSchemaName } from './support/services.js';

process.env.CLAUDE_CODE_MAX_RETRIES = '1';

describe('scheduled rules (issue 15, item 7)', () => {
  let model: ScriptedModel;
  let a: Harness;
  let b: Harness;
  let webhookId: string;
  const secondDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-sched-b-'));
  const scheduler = (h: Harness) => new RuleScheduler({ repos: h.services.repos, tasks: h.services.tasks, log: h.services.log, tickMs: 0, brainWrap: false });

  beforeAll(async () => {
    model = await startScriptedModel();
    // The workers' own schedulers are off: the test decides when each scheduler looks.
    const shared = { model, distributed: true, schema: freshSchemaName(), redisPrefix: freshRedisPrefix(), env: { SCHEDULER_TICK_SECONDS: '0' } };
    a = await startHarness(shared);
    b = await startHarness({ ...shared, dataDir: secondDataDir });
    const created = await a.request('POST', '/api/webhooks', { name: 'nightly jobs', provider: 'generic' });
    expect(created.status).toBe(201);
    webhookId = created.body.webhook_id;
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    fs.rmSync(secondDataDir, { recursive: true, force: true });
    await model?.close();
  });

  const rule = (fields: Record<string, unknown> = {}) => ({
    name: 'triage',
    trigger: 'schedule',
    action: 'create_task',
    template: 'Nightly triage of the open issues for {{schedule.slot}} [[script:text Triage done.]]',
    schedule: '0 2 * * *',
    ...fields,
  });

  it('refuses a schedule that is not a cron expression, or on a rule that runs no task, with the reason', async () => {
    const bad = await a.request('POST', `/api/webhooks/${webhookId}/commands`, rule({ name: 'bad', schedule: '61 * * * *' }));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/schedule: .*minute/i);
    const comment = await a.request('POST', `/api/webhooks/${webhookId}/commands`, rule({ name: 'note', action: 'comment', template: 'hi' }));
    expect(comment.status).toBe(400);
    expect(JSON.stringify(comment.body)).toMatch(/only a create_task rule can run on a schedule/);
    expect((await a.request('GET', `/api/webhooks/${webhookId}/commands`)).body.commands).toHaveLength(0);
  });

  it('shows a scheduled rule with its next runs, and keeps it when a PATCH names a bad schedule', async () => {
    const res = await a.request('POST', `/api/webhooks/${webhookId}/commands`, rule());
    expect(res.status).toBe(201);
    expect(res.body.schedule).toBe('0 2 * * *');
    expect(res.body.next_runs).toHaveLength(3);
    expect(res.body.next_runs.every((t: string) => t.endsWith('T02:00:00.000Z'))).toBe(true);
    const patched = await a.request('PATCH', `/api/webhooks/${webhookId}/commands/${res.body.command_id}`, { schedule: '* * *' });
    expect(patched.status).toBe(400);
    const [stored] = (await a.request('GET', `/api/webhooks/${webhookId}/commands`)).body.commands;
    expect(stored.schedule).toBe('0 2 * * *');
  });

  it('fires each slot once across two workers racing it; each firing is a task like any other', async () => {
    const [stored] = (await a.request('GET', `/api/webhooks/${webhookId}/commands`)).body.commands;
    const slot = Date.parse(stored.next_runs[0]);
    const [one, other] = [scheduler(a), scheduler(b)];

    const fired = (await Promise.all([one.tick(slot), other.tick(slot), one.tick(slot + 1_000), other.tick(slot + 1_000)])).flat();
    expect(fired).toHaveLength(1);
    const again = (await Promise.all([one.tick(slot + 30_000), other.tick(slot + 30_000)])).flat();
    expect(again).toHaveLength(0);

    const task = await a.waitForTask(fired[0]!.task_id);
    expect(task).toMatchObject({ status: 'completed', source: 'schedule', rule: `schedule:${webhookId}:triage`, output: 'Triage done.' });

    // The next night's slot is a new firing: a task of its own, in the rule's flow but a conversation of its own.
    const next = Date.parse(stored.next_runs[1]);
    const nextFired = (await Promise.all([one.tick(next), other.tick(next)])).flat();
    expect(nextFired).toHaveLength(1);
    const second = await b.waitForTask(nextFired[0]!.task_id);
    expect(second.flow_id).toBe(task.flow_id);
    expect(second.conversation_id).not.toBe(task.conversation_id);
  });
});

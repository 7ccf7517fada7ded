// Redis down at start and mid-run (PostgreSQL + BullMQ + Redis pub/sub): chat and webhooks are still accepted into the
// database, the service starts without Redis and says so on /health, and the queue catches up when Redis returns.
// The Redis here is the test's own (test/support/faults.ts), stopped with SIGKILL and started empty.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGithub, startFakeGithub } from './support/fake-providers.js';
import { ownRedis, type OwnRedis, waitFor } from './support/faults.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { hasPostgres } from './support/services.js';
import { signGithub } from './support/signing.js';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/paths.js';

const SECRET = 'gh-faults-secret';
let comment = 0;

function githubComment(text: string): string {
  const payload = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test', 'fixtures', 'github', 'issue_comment.created.json'), 'utf8'));
  payload.comment.body = `@agent analyze ${text}`;
  payload.comment.id = 900_000 + ++comment;
  payload.issue.number = 9000 + comment;
  return JSON.stringify(payload);
}

describe.skipIf(!hasPostgres)('Redis down (PostgreSQL + BullMQ)', () => {
  let model: ScriptedModel;
  let github: FakeGithub;
  let redis: OwnRedis;
  const harnesses: Harness[] = [];

  beforeAll(async () => {
    model = await startScriptedModel();
    github = await startFakeGithub({ permissions: { Codertocat: 'admin' } });
    redis = await ownRedis();
  });
  afterAll(async () => {
    await redis?.start(); // lets a service close cleanly
    for (const h of harnesses) await h.close();
    await redis?.stop();
    await Promise.all([model?.close(), github?.close()]);
  });

  const start = async () => {
    const h = await startHarness({
      model,
      distributed: true,
      env: { REDIS_URL: redis.url, RECONCILE_SECONDS: '2', GITHUB_WEBHOOK_SECRET: SECRET, GITHUB_TOKEN: 'ghp_faults_token', GITHUB_API_URL: github.url },
    });
    harnesses.push(h);
    return h;
  };
  const sendGithub = (h: Harness, body: string) =>
    fetch(`${h.url}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': `d-${Date.now()}-${comment}`, 'x-hub-signature-256': signGithub(SECRET, body) },
      body,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  it('starts without Redis (degraded on /health), stores chat and webhook tasks as queued, runs them when Redis comes', async () => {
    await redis.stop();
    const h = await start();
    const health = await h.request('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('degraded');
    expect(health.body.checks.queue).toMatch(/Redis/);

    const chat = await h.request('POST', '/api/chat', { message: '[[script:text stored while redis was down]] hi' });
    expect(chat.status).toBe(202);
    const hook = await sendGithub(h, githubComment('[[script:text webhook while redis was down]]'));
    expect(hook).toMatchObject({ status: 202 });
    expect((await h.request('GET', `/api/tasks/${chat.body.task_id}`)).body.status).toBe('queued');
    // The sender's permission was not cached: the task waits for GitHub's answer (off the request), then is queued.
    expect(hook.body).toMatchObject({ status: 'waiting_approval', waiting_for: 'permission' });
    expect((await h.waitForTask(hook.body.task_id, ['queued'])).status).toBe('queued');

    await redis.start();
    const done = await h.waitForTask(chat.body.task_id, ['completed', 'failed'], 60_000);
    expect(done).toMatchObject({ status: 'completed', output: 'stored while redis was down' });
    expect((await h.waitForTask(hook.body.task_id, ['completed', 'failed'], 60_000)).status).toBe('completed');
    await waitFor(async () => ((await h.request('GET', '/health')).status === 200 ? true : undefined), '/health ok again', 20_000);
  }, 120_000);

  it('Redis lost mid-run: the running task completes, new tasks are stored, and run once Redis is back (empty)', async () => {
    await redis.start();
    const h = await start();
    const slow = await h.request('POST', '/api/chat', { message: '[[script:slow 4000 survived the outage]] long' });
    await h.waitForTask(slow.body.task_id, ['running']);
    await redis.stop();

    const during = await h.request('POST', '/api/chat', { message: '[[script:text sent during the outage]] x' });
    expect(during.status).toBe(202);
    const hook = await sendGithub(h, githubComment('[[script:text webhook during the outage]]'));
    expect(hook).toMatchObject({ status: 202 });
    expect((await h.request('GET', '/health')).body.status).toBe('degraded');
    expect((await h.waitForTask(slow.body.task_id, ['completed', 'failed'], 60_000)).output).toBe('survived the outage');

    await redis.start(); // empty: whatever the queue held is gone, the database still has the rows
    for (const id of [during.body.task_id, hook.body.task_id]) {
      expect((await h.waitForTask(id, ['completed', 'failed'], 60_000)).status).toBe('completed');
    }
    const events = await h.request('GET', `/api/tasks/${slow.body.task_id}/events`);
    const seqs = events.body.events.map((e: any) => e.seq);
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
  }, 120_000);
});

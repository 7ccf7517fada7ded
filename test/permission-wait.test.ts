// Issue 13 item 1: a permission lookup that misses the cache never holds the webhook's request. The delivery is
// answered 202 with its task waiting while GitHub is asked in the background; GitHub's answer then queues the task,
// asks for approval, or refuses, as a cached answer would have at once; a restart loses nothing; a provider that
// cannot be asked for PERMISSION_WAIT_SECONDS fails the task with an error naming it. The fake GitHub's permission
// endpoint is held closed by a gate, so "answered before GitHub" is an order, not a timing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { type FakeGithub, startFakeGithub } from './support/fake-providers.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { githubIssueComment, webhookEnv, webhookSender } from './support/send-webhook.js';
import { dropSchema, freshRedisPrefix, freshSchemaName, SERVICE_SETUPS } from './support/services.js';

process.env.CLAUDE_CODE_MAX_RETRIES = '1';

const askedPermission = (github: FakeGithub, login: string) => github.calls.some((c) => c.path.endsWith(`/collaborators/${login}/permission`));
const commentsOn = (github: FakeGithub, issue: number) =>
  github.calls.filter((c) => c.method === 'POST' && c.path.endsWith(`/issues/${issue}/comments`)).map((c) => String(c.body?.body));

for (const dialect of SERVICE_SETUPS) {
  describe.skipIf(dialect.skip)(`a permission not cached is looked up off the request, on ${dialect.name}`, () => {
    let model: ScriptedModel;
    let github: FakeGithub;
    let h: Harness;
    const send = (payload: unknown) => webhookSender(h.url).github('issue_comment', payload);

    beforeAll(async () => {
      model = await startScriptedModel();
      github = await startFakeGithub({ permissions: { Codertocat: 'admin' } });
      h = await startHarness({ model, distributed: dialect.distributed, env: webhookEnv({ github: github.url }) });
    });
    afterAll(async () => {
      await h?.close();
      await Promise.all([model, github].map((s) => s?.close()));
    });

    it('answers 202 while GitHub still holds the lookup; the task runs once GitHub answers', async () => {
      github.setPermission('held-writer', 'write');
      const gate = github.holdPermissions();
      const res = await send(githubIssueComment(5101, 'held-writer', '@agent analyze [[script:text Looked at it.]] please'));
      // The answer arrived with the gate still closed: nothing of GitHub's was waited for.
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ task_id: expect.stringMatching(/^task_/), status: 'waiting_approval', waiting_for: 'permission' });
      await eventually(() => askedPermission(github, 'held-writer'), 'GitHub is asked for the permission');
      expect((await h.request('GET', `/api/tasks/${res.body.task_id}`)).body.status).toBe('waiting_approval');
      gate.open();
      const task = await h.waitForTask(res.body.task_id);
      expect(task.status).toBe('completed');
      expect(task.output).toContain('Looked at it.');
    });

    it('a sender GitHub refuses gets the same refusal as a cached one, and nothing runs', async () => {
      github.setPermission('held-reader', 'read');
      const gate = github.holdPermissions();
      const res = await send(githubIssueComment(5102, 'held-reader', '@agent analyze [[script:text Never said.]] please'));
      expect(res.status).toBe(202);
      gate.open();
      const task = await h.waitForTask(res.body.task_id);
      expect(task.status).toBe('cancelled');
      expect(task.error).toContain('held-reader has read permission');
      expect(task.started_at).toBeNull();
      await eventually(() => commentsOn(github, 5102).some((b) => b.startsWith("Sorry, I can't run `analyze` for you: held-reader has read permission")), 'the refusal is posted');
      expect(model.requests.some((r) => JSON.stringify(r).includes('Never said'))).toBe(false);
      // The delivery keeps its answer (accepted) and notes, for the inspector, how the lookup ended.
      const noted = async () => {
        const row = await h.services.storage.db.selectFrom('webhook_events').select('explanation').where('task_id', '=', res.body.task_id).executeTakeFirst();
        return JSON.parse(row?.explanation ?? '{}').sent?.some((a: any) => a.command === 'permission' && a.status === 'refused') === true;
      };
      await eventually(noted, 'the delivery notes the refusal');
    });

    it('a command that needs approval from a non-maintainer waits for it, with the usual request, once GitHub answers', async () => {
      github.setPermission('held-fixer', 'write');
      const gate = github.holdPermissions();
      const res = await send(githubIssueComment(5103, 'held-fixer', '@agent fix the typo'));
      expect(res.status).toBe(202);
      gate.open();
      await eventually(() => commentsOn(github, 5103).some((b) => b.includes('It waits for approval')), 'the approval request is posted');
      expect((await h.request('GET', `/api/tasks/${res.body.task_id}`)).body.status).toBe('waiting_approval');
    });

    it('a sender whose permission is cached is answered as before: queued at once', async () => {
      const first = await send(githubIssueComment(5104, 'Codertocat', '@agent analyze [[script:text One.]] once'));
      await h.waitForTask(first.body.task_id);
      const again = await send(githubIssueComment(5104, 'Codertocat', '@agent analyze [[script:text Two.]] twice'));
      expect(again.body).toMatchObject({ status: 'queued' });
      expect(again.body.waiting_for).toBeUndefined();
      await h.waitForTask(again.body.task_id);
    });
  });

  describe.skipIf(dialect.skip)(`a delivery left undecided by a restart, on ${dialect.name}`, () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-permission-wait-'));
    const schema = freshSchemaName();
    const redisPrefix = freshRedisPrefix();
    let model: ScriptedModel;
    let github: FakeGithub;
    beforeAll(async () => {
      model = await startScriptedModel();
      github = await startFakeGithub();
    });
    afterAll(async () => {
      await Promise.all([model, github].map((s) => s?.close()));
      if (dialect.distributed) await dropSchema(schema);
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const start = () => startHarness({ model, distributed: dialect.distributed, dataDir, schema, redisPrefix, env: webhookEnv({ github: github.url }) });

    it('is decided by the next start', async () => {
      github.setPermission('restart-writer', 'write');
      const gate = github.holdPermissions();
      const before = await start();
      const res = await webhookSender(before.url).github('issue_comment', githubIssueComment(5201, 'restart-writer', '@agent analyze [[script:text After the restart.]] go'));
      expect(res.status).toBe(202);
      await eventually(() => askedPermission(github, 'restart-writer'), 'GitHub is asked for the permission');
      await before.close(); // GitHub never answered this process
      gate.open();
      const after = await start();
      try {
        const task = await after.waitForTask(res.body.task_id);
        expect(task.status).toBe('completed');
        expect(task.output).toContain('After the restart.');
      } finally {
        await after.close();
      }
    });
  });
}

describe('a provider that cannot be asked for PERMISSION_WAIT_SECONDS', () => {
  let model: ScriptedModel;
  let h: Harness;
  beforeAll(async () => {
    model = await startScriptedModel();
    // Nothing listens on port 9: every lookup fails at once, every round of retries too.
    h = await startHarness({ model, env: { ...webhookEnv({ github: 'http://127.0.0.1:9' }), PERMISSION_WAIT_SECONDS: '1' } });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
  });

  it('fails the task with an error naming the provider', async () => {
    const res = await webhookSender(h.url).github('issue_comment', githubIssueComment(5301, 'unreachable-writer', '@agent analyze please'));
    expect(res.status).toBe(202);
    const task = await h.waitForTask(res.body.task_id);
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(/^github could not be asked for unreachable-writer's permission/);
    expect(task.started_at).toBeNull();
  });
});

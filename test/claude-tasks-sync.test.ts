/**
 * CLAUDE_TASKS_SYNC: each task is mirrored as <CLAUDE_TASKS_DIR>/<task_id>.json and the file follows the task to its
 * end — completed, failed, cancelled while running, cancelled while waiting — with nothing secret and no raw
 * webhook payload in it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskView } from '../src/contracts/task.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { hasPostgres, hasRedis } from './support/services.js';
import { signGeneric } from './support/signing.js';

const API_KEY = 'sk-ant-sync-test-key-0123456789';
// The mirror follows the event bus: in-process, and Redis pub/sub when API and workers are separate processes.
const setups = [
  { name: 'SQLite + embedded queue', distributed: false, skip: false },
  { name: 'PostgreSQL + BullMQ on Redis', distributed: true, skip: !(hasPostgres && hasRedis) },
];

for (const setup of setups) {
  describe.skipIf(setup.skip)(`Claude tasks sync on ${setup.name}`, () => {
    let model: ScriptedModel;
    let h: Harness;
    let dir: string;

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-claude-tasks-'));
      model = await startScriptedModel();
      h = await startHarness({ model, distributed: setup.distributed, env: { CLAUDE_TASKS_SYNC: 'true', CLAUDE_TASKS_DIR: dir, ANTHROPIC_API_KEY: API_KEY } });
    });
    afterAll(async () => {
      await h?.close();
      await model?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const file = (id: string) => path.join(dir, `${id}.json`);
    const read = (id: string) => JSON.parse(fs.readFileSync(file(id), 'utf8'));
    /** Waits until the mirror says what the API says, then returns both. */
    const mirrored = async (id: string, status: string) => {
      const task = await h.waitForTask(id, [status]);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const now = (await h.request<TaskView>('GET', `/api/tasks/${id}`)).body;
        // While a task runs its row keeps changing (heartbeats); the mirror follows status changes, so its times are
        // compared once the task is final.
        const final = ['completed', 'failed', 'cancelled'].includes(now.status);
        if (fs.existsSync(file(id)) && read(id).status === now.status && (!final || read(id).updated_at === now.updated_at)) return { task: now, json: read(id) };
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the mirror of ${id} never reached ${task.status}: ${fs.existsSync(file(id)) ? JSON.stringify(read(id)) : 'no file'}`);
    };
    const expectMatches = (json: any, task: TaskView) => {
      expect(json).toEqual({
        id: task.task_id,
        title: expect.any(String),
        description: expect.any(String),
        status: task.status,
        dependencies: task.parent_task_id ? [task.parent_task_id] : [],
        created_at: task.created_at,
        updated_at: task.updated_at,
        metadata: { task_id: task.task_id, flow_id: task.flow_id, conversation_id: task.conversation_id, source: task.source },
      });
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    };

    it('mirrors a completed run, from queued to completed, without secrets', async () => {
      const sent = await h.request('POST', '/api/chat', { message: `Summarise the release notes\nkey ${API_KEY} [[script:text done]]` });
      const id = sent.body.task_id;
      const { task, json } = await mirrored(id, 'completed');
      expectMatches(json, task);
      expect(json.title).toBe('Summarise the release notes');
      expect(json.metadata.conversation_id).toBe(sent.body.conversation_id);
      expect(fs.readFileSync(file(id), 'utf8')).not.toContain(API_KEY);
      expect(json.description).toContain('[redacted]');
    });

    it('mirrors a failed run and a child task with its parent as dependency', async () => {
      const parent = await h.services.tasks.create({ session_id: 's', source: 'test', input_message: '[[script:text parent]]' });
      await mirrored(parent.task_id, 'completed');
      const child = await h.services.tasks.create({ session_id: 's', source: 'test', input_message: 'loop [[script:loop]]', max_turns: 1, parent_task_id: parent.task_id });
      const { task, json } = await mirrored(child.task_id, 'failed');
      expectMatches(json, task);
      expect(json.dependencies).toEqual([parent.task_id]);
    });

    it('mirrors a run cancelled while running, and a task cancelled before it ever ran', async () => {
      const sent = await h.request('POST', '/api/chat', { message: 'long one [[script:slow 20000]]' });
      const id = sent.body.task_id;
      await h.waitForTask(id, ['running']);
      const running = await mirrored(id, 'running');
      expect(running.json.status).toBe('running');
      expect((await h.request('POST', `/api/tasks/${id}/cancel`)).status).toBe(202);
      const cancelled = await mirrored(id, 'cancelled');
      expectMatches(cancelled.json, cancelled.task);

      const waiting = await h.services.tasks.create({ session_id: 's', source: 'test', input_message: 'needs a yes', needs_approval: true });
      expect((await mirrored(waiting.task_id, 'waiting_approval')).json.status).toBe('waiting_approval');
      expect((await h.request('POST', `/api/tasks/${waiting.task_id}/cancel`)).status).toBe(200);
      const gone = await mirrored(waiting.task_id, 'cancelled');
      expectMatches(gone.json, gone.task);
    });

    it('keeps a webhook payload out of the file', async () => {
      const hook = (await h.request('POST', '/api/webhooks', { name: 'Deploys', provider: 'generic', secret: 'generic-secret-for-sync-1' })).body;
      await h.request('POST', `/api/webhooks/${hook.webhook_id}/commands`, { name: 'deploy', trigger: 'deploy', template: 'Deploy {{env}} [[script:text deployed]]', options: { wrap_with_brain: false } });
      const body = JSON.stringify({ id: 'd-1', event_type: 'deploy', env: 'prod', text: 'ship it', internal: 'PAYLOAD-ONLY-MARKER' });
      const res = await fetch(`${h.url}/webhooks/generic/${hook.webhook_id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature-256': signGeneric('generic-secret-for-sync-1', body) },
        body,
      });
      const id = ((await res.json()) as any).task_id;
      const { task, json } = await mirrored(id, 'completed');
      expectMatches(json, task);
      expect(json.metadata.source).toBe('generic');
      expect(fs.readFileSync(file(id), 'utf8')).not.toContain('PAYLOAD-ONLY-MARKER');
      expect(fs.readFileSync(file(id), 'utf8')).not.toContain('generic-secret-for-sync-1');
    });
  });
}

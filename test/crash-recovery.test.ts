import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandLine, descendants, isAlive } from '../src/worker/process-tree.js';
import { hasBwrap } from './support/bwrap.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { freePort, startServiceProcess } from './support/service-process.js';

async function api(url: string, method: string, p: string, body?: unknown) {
  const res = await fetch(`${url}${p}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json()) as any };
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A Claude Code child (not the spawn helper, whose path may hold "claude" too, as in a checkout named after it). */
const isClaude = (pid: number) => /claude/.test(commandLine(pid) ?? '') && !/spawn-helper/.test(commandLine(pid) ?? '');

describe('a service killed or stopped mid-run loses nothing', () => {
  let model: ScriptedModel;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    model = await startScriptedModel();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-crash-'));
    env = {
      DATA_DIR: dataDir,
      CLAUDE_CONFIG_DIR: path.join(dataDir, 'claude-config'),
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: 'test',
      DEFAULT_MODEL: 'claude-sonnet-4-5',
      MAX_CONCURRENT_TASKS: '1',
      SHUTDOWN_GRACE_SECONDS: '1',
    };
  });
  afterAll(async () => {
    await model?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  // Unsandboxed, Claude Code runs in its own process group and outlives a SIGKILLed service until start-up ends it;
  // in the sandbox (bwrap --die-with-parent) it ends with the service at once. Either way nothing is left running.
  const modes = [{ SANDBOX: 'off', childOutlivesService: true }, ...(hasBwrap ? [{ SANDBOX: 'bwrap', childOutlivesService: false }] : [])];
  it.each(modes)('after SIGKILL (SANDBOX=$SANDBOX): the orphaned child is ended, the interrupted task runs again, queued tasks complete', async ({ SANDBOX, childOutlivesService }) => {
    const port = await freePort();
    const first = await startServiceProcess({ ...env, SANDBOX }, port);
    const slow = await api(first.url, 'POST', '/api/chat', { message: '[[script:slow 8000 interrupted]] long job' });
    const queued = [
      await api(first.url, 'POST', '/api/chat', { message: '[[script:text queued one]] a' }),
      await api(first.url, 'POST', '/api/chat', { message: '[[script:text queued two]] b' }),
    ];
    expect([slow.status, ...queued.map((q) => q.status)]).toEqual([202, 202, 202]);
    const claudePid = await waitFor(async () => descendants(first.child.pid!).find(isClaude), 'the Claude child');
    await waitFor(async () => ((await api(first.url, 'GET', `/api/tasks/${slow.body.task_id}`)).body.status === 'running' ? true : undefined), 'running');

    first.child.kill('SIGKILL');
    await first.exited;
    if (childOutlivesService) expect(isAlive(claudePid)).toBe(true);
    else await waitFor(async () => (isAlive(claudePid) ? undefined : true), 'the sandboxed child to end with the service', 10_000);

    const second = await startServiceProcess({ ...env, SANDBOX }, port);
    try {
      expect(isAlive(claudePid)).toBe(false);
      const all = [slow, ...queued].map((r) => r.body.task_id as string);
      const finished = await waitFor(async () => {
        const rows = await Promise.all(all.map(async (id) => (await api(second.url, 'GET', `/api/tasks/${id}`)).body));
        return rows.every((r) => r.status === 'completed') ? rows : undefined;
      }, 'all tasks to complete');
      expect(finished[0]).toMatchObject({ status: 'completed', attempts: 2, output: 'interrupted' });
      expect(finished[1]).toMatchObject({ status: 'completed', output: 'queued one' });
      expect(finished[2]).toMatchObject({ status: 'completed', output: 'queued two' });
      const events = await api(second.url, 'GET', `/api/tasks/${slow.body.task_id}/events`);
      expect(events.body.events.map((e: any) => e.item.message).filter(Boolean)).toContain('Retrying after an interruption (attempt 2 of 2).');
      const running = await api(second.url, 'GET', '/api/tasks?status=running');
      expect(running.body.tasks).toEqual([]);
    } finally {
      second.child.kill('SIGKILL');
      await second.exited;
    }
  }, 300_000);

  it('on SIGTERM: finishes what fits in the grace period, puts the rest back in the queue, exits 0', async () => {
    const port = await freePort();
    const service = await startServiceProcess(env, port);
    const long = await api(service.url, 'POST', '/api/chat', { message: '[[script:slow 15000 after restart]] long' });
    const claudePid = await waitFor(async () => descendants(service.child.pid!).find(isClaude), 'the child');
    const treeBefore = [claudePid, ...descendants(claudePid)];
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(treeBefore.filter(isAlive)).toEqual([]);
    expect(service.output()).toContain('stopped cleanly');

    const again = await startServiceProcess(env, port);
    try {
      const task = await waitFor(async () => {
        const row = (await api(again.url, 'GET', `/api/tasks/${long.body.task_id}`)).body;
        return row.status === 'completed' || row.status === 'failed' ? row : undefined;
      }, 'the requeued task', 60_000);
      expect(task).toMatchObject({ status: 'completed', attempts: 2, output: 'after restart' });
    } finally {
      again.child.kill('SIGKILL');
      await again.exited;
    }
  }, 300_000);
});

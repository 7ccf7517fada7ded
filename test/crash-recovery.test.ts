import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandLine, descendants, isAlive, parentOf } from '../src/worker/process-tree.js';
import { hasBwrap } from './support/bwrap.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { freePort, startServiceProcess, type ServiceProcess } from './support/service-process.js';

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

  /** Sends a slow run and two quick ones; waits until the slow one's Claude Code child runs. */
  const startWork = async (service: ServiceProcess) => {
    const slow = await api(service.url, 'POST', '/api/chat', { message: '[[script:slow 8000 interrupted]] long job' });
    const queued = [
      await api(service.url, 'POST', '/api/chat', { message: '[[script:text queued one]] a' }),
      await api(service.url, 'POST', '/api/chat', { message: '[[script:text queued two]] b' }),
    ];
    expect([slow.status, ...queued.map((q) => q.status)]).toEqual([202, 202, 202]);
    const claudePid = await waitFor(async () => descendants(service.child.pid!).find(isClaude), 'the Claude child');
    await waitFor(async () => ((await api(service.url, 'GET', `/api/tasks/${slow.body.task_id}`)).body.status === 'running' ? true : undefined), 'running');
    return { ids: [slow, ...queued].map((r) => r.body.task_id as string), claudePid };
  };

  /** Restarts the service and checks that the interrupted run ran again and the queued ones ran, nothing left running. */
  const recoversAll = async (extra: Record<string, string>, port: number, ids: string[], orphan: number) => {
    const second = await startServiceProcess({ ...env, ...extra }, port);
    try {
      expect(isAlive(orphan)).toBe(false);
      const finished = await waitFor(async () => {
        const rows = await Promise.all(ids.map(async (id) => (await api(second.url, 'GET', `/api/tasks/${id}`)).body));
        return rows.every((r) => r.status === 'completed') ? rows : undefined;
      }, 'all tasks to complete');
      expect(finished[0]).toMatchObject({ status: 'completed', attempts: 2, output: 'interrupted' });
      expect(finished[1]).toMatchObject({ status: 'completed', output: 'queued one' });
      expect(finished[2]).toMatchObject({ status: 'completed', output: 'queued two' });
      const events = await api(second.url, 'GET', `/api/tasks/${ids[0]}/events`);
      expect(events.body.events.map((e: any) => e.item.message).filter(Boolean)).toContain('Retrying after an interruption (attempt 2 of 2).');
      const running = await api(second.url, 'GET', '/api/tasks?status=running');
      expect(running.body.tasks).toEqual([]);
    } finally {
      second.child.kill('SIGKILL');
      await second.exited;
    }
  };

  // The Claude child ends with the service either way: unsandboxed, the spawn helper ends the children it started
  // when the service's channel closes (its pid may not be recorded yet, so start-up could not find it); sandboxed,
  // bwrap --die-with-parent ends it too.
  const modes = [{ SANDBOX: 'off' }, ...(hasBwrap ? [{ SANDBOX: 'bwrap' }] : [])];
  it.each(modes)('after SIGKILL (SANDBOX=$SANDBOX): the child ends with the service, the interrupted task runs again, queued tasks complete', async ({ SANDBOX }) => {
    const port = await freePort();
    const first = await startServiceProcess({ ...env, SANDBOX }, port);
    const { ids, claudePid } = await startWork(first);
    first.child.kill('SIGKILL');
    await first.exited;
    await waitFor(async () => (isAlive(claudePid) ? undefined : true), 'the child to end with the service', 10_000);
    await recoversAll({ SANDBOX }, port, ids, claudePid);
  }, 300_000);

  it('after SIGKILL of the service and its spawn helper together (SANDBOX=off): start-up ends the orphaned child by its recorded pid', async () => {
    const port = await freePort();
    const first = await startServiceProcess({ ...env, SANDBOX: 'off' }, port);
    const { ids, claudePid } = await startWork(first);
    // Killed once the run's pid is recorded (what start-up recovery goes by); the child, in a process group of its
    // own, outlives both.
    const db = new Database(path.join(dataDir, 'agent.db'), { readonly: true, fileMustExist: true });
    try {
      await waitFor(async () => (db.prepare('select child_pid from tasks where task_id = ?').get(ids[0]) as { child_pid: number | null }).child_pid ?? undefined, 'the pid recorded');
    } finally {
      db.close();
    }
    const helper = parentOf(claudePid);
    expect(commandLine(helper)).toContain('spawn-helper');
    process.kill(helper, 'SIGKILL');
    first.child.kill('SIGKILL');
    await first.exited;
    await waitFor(async () => (isAlive(helper) ? undefined : true), 'the helper to end');
    expect(isAlive(claudePid)).toBe(true);
    await recoversAll({ SANDBOX: 'off' }, port, ids, claudePid);
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

// Claude Code children are started by the worker's spawn helper (src/worker/spawner.ts), a small process of its own,
// not by forking the service. The helper dying must not leave a run hanging or a child running unseen: the runs it
// was following fail saying why, their children are stopped, and the next run starts a new helper.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandLine, descendants, isAlive, parentOf } from '../src/worker/process-tree.js';
import { eventually } from './support/eventually.js';
import { startScriptedHarness, type ScriptedHarness } from './support/harness.js';

/** This test process's spawn helpers (one per worker that started a run). */
const helpers = () => descendants(process.pid).filter((pid) => (commandLine(pid) ?? '').includes('spawn-helper.mjs') && isAlive(pid));
/** The Claude Code child running now (one run at a time in these tests). */
const claudeChild = () => descendants(process.pid).find((pid) => /claude/.test(commandLine(pid) ?? '') && !(commandLine(pid) ?? '').includes('spawn-helper') && isAlive(pid));

describe('the spawn helper', () => {
  let h: ScriptedHarness;
  beforeAll(async () => {
    h = await startScriptedHarness({ env: { SANDBOX: 'off' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const chat = async (message: string) => (await h.request('POST', '/api/chat', { message })).body.task_id as string;
  /** Sends a chat message and waits until its Claude Code child runs: the task, the child and the helper. */
  const running = async (message: string) => {
    const taskId = await chat(message);
    await h.waitForTask(taskId, ['running']);
    let child: number | undefined;
    await eventually(() => (child = claudeChild()) !== undefined, 'the Claude child');
    return { taskId, child: child!, helper: helpers()[0] };
  };

  it("starts the Claude Code children: a child's parent is the helper, not the service", async () => {
    const { taskId, child, helper } = await running('[[script:slow 4000 slow reply]] wait a little');
    expect(helper, 'a spawn helper process').toBeDefined();
    expect(parentOf(child)).toBe(helper);
    expect(parentOf(helper!)).toBe(process.pid);
    expect(await h.waitForTask(taskId, ['completed', 'failed'], 60_000)).toMatchObject({ status: 'completed', output: 'slow reply' });
  });

  it('dying mid-run: the run fails saying so, its child is stopped, and the next run starts a new helper and completes', async () => {
    const { taskId, child, helper } = await running('[[script:slow 60000 never finished]] a long one');
    process.kill(helper!, 'SIGKILL');

    const failed = await h.waitForTask(taskId, ['completed', 'failed', 'cancelled'], 60_000);
    expect(failed).toMatchObject({ status: 'failed', outcome: 'error' });
    expect(failed.error).toContain('the spawn helper process was killed by SIGKILL while Claude Code ran; the run was stopped');
    await eventually(() => !isAlive(child), 'the orphaned child to be stopped');

    const next = await chat('[[script:text after the helper died]] again');
    expect(await h.waitForTask(next, ['completed', 'failed'], 60_000)).toMatchObject({ status: 'completed', output: 'after the helper died' });
    expect(helpers()).not.toContain(helper);
    expect(helpers()).toHaveLength(1);
  });
});

// The Claude executable crashing mid-stream or gone: the task fails with the exit code, the signal or the missing
// path in its error, and nothing stays `running`. CLAUDE_CODE_PATH is a wrapper script rewritten between the cases.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCrashingClaude } from './support/faults.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

describe('the Claude executable crashing or missing', () => {
  let model: ScriptedModel;
  let h: Harness;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-claude-'));
  const claude = path.join(dir, 'claude');

  beforeAll(async () => {
    model = await startScriptedModel();
    writeCrashingClaude(claude, { crashAfterLines: 3 });
    h = await startHarness({ model, env: { CLAUDE_CODE_PATH: claude, SANDBOX: 'off' } });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = async (message: string) => {
    const sent = await h.request('POST', '/api/chat', { message });
    return h.waitForTask(sent.body.task_id, ['completed', 'failed', 'cancelled'], 60_000);
  };

  it('killed mid-stream: failed, naming the signal', async () => {
    writeCrashingClaude(claude, { crashAfterLines: 3 });
    const task = await run('[[script:slow 3000 never finished]] x');
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(/Claude Code was killed by SIGKILL without a result/);
    expect((await h.request('GET', '/api/tasks?status=running')).body.tasks).toEqual([]);
  });

  it('exiting with an error code mid-stream: failed with that exit code', async () => {
    writeCrashingClaude(claude, { crashAfterLines: 3, exitCode: 3 });
    const task = await run('[[script:slow 3000 never finished]] x');
    expect(task).toMatchObject({ status: 'failed', outcome: 'error' });
    expect(task.error).toContain('exited with code 3');
  });

  it('gone after start-up: each task fails naming the executable', async () => {
    fs.rmSync(claude);
    const task = await run('[[script:text unreachable]] x');
    expect(task.status).toBe('failed');
    expect(task.error).toContain(claude);
    expect((await h.request('GET', '/api/tasks?status=running')).body.tasks).toEqual([]);
  });
});

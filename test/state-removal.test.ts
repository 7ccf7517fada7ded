// A run's Claude state directory is removed off the run's path (issue 13 item 2): the run's slot is handed over, and
// its conversation's next task may start, while the removal is still under way; the directory still goes, and no other
// run is given it (each run's state is a directory of its own).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually } from './support/eventually.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

const gate = vi.hoisted(() => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open, held: [] as string[] };
});

vi.mock('../src/worker/claude-state.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/worker/claude-state.js')>();
  return {
    ...real,
    // Held until the test opens the gate: a removal that takes its time.
    removeClaudeState: async (state: { root: string }) => {
      gate.held.push(state.root);
      await gate.opened;
      await real.removeClaudeState(state as never);
    },
  };
});

describe('a run\'s Claude state is removed off the run\'s path', () => {
  let model: ScriptedModel;
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-state-removal-'));
    const runner = path.join(dir, 'noop-claude');
    const result = JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'done', total_cost_usd: 0, num_turns: 1, duration_ms: 1, usage: {} });
    fs.writeFileSync(runner, ['#!/bin/bash', "read -r -d '' _prompt", `printf '%s\\n' '${result}'`, ''].join('\n'), { mode: 0o755 });
    model = await startScriptedModel();
    h = await startHarness({ model, env: { CLAUDE_CODE_PATH: runner, SANDBOX: 'off', MAX_CONCURRENT_TASKS: '1' } });
  });
  afterAll(async () => {
    gate.open();
    await h?.close();
    await model?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hands the slot over, and runs the conversation\'s next turn, before the removal ends; the directory then goes', async () => {
    const first = await h.request('POST', '/api/chat', { message: 'first turn' });
    expect(first.status).toBe(202);
    await h.waitForTask(first.body.task_id);
    const stateDir = path.join(h.dataDir, 'claude-state', first.body.task_id);
    await eventually(() => gate.held.includes(stateDir), 'the removal has begun');
    // The only slot (MAX_CONCURRENT_TASKS=1) is free although the removal is held.
    await eventually(() => h.services.worker!.runningCount === 0, 'the run has left its slot');
    const next = await h.request('POST', '/api/chat', { message: 'second turn', conversation_id: first.body.conversation_id });
    expect((await h.waitForTask(next.body.task_id)).status).toBe('completed');
    expect(fs.existsSync(stateDir)).toBe(true);
    gate.open();
    await eventually(() => !fs.existsSync(stateDir), 'the first run\'s state directory is removed');
    await eventually(() => !fs.existsSync(path.join(h.dataDir, 'claude-state', next.body.task_id)), 'the second run\'s too');
  });
});

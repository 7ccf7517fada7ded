import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScriptedHarness, startScriptedHarness } from './support/harness.js';

// Found by the browser test of the chat workspace after the prepare step began doing its parts at once: the
// workspace's .claude/agents link was made before the registry had materialised the agent home, so the first run of
// a fresh service that named an agent ended with "Claude Code exited with code 1 without a result".
describe('the first run of a fresh service', () => {
  let h: ScriptedHarness;
  beforeAll(async () => {
    h = await startScriptedHarness();
  }, 120_000);
  afterAll(() => h?.close());

  it('finds the agent it was asked for (the workspace links to the agent home once it is materialised)', async () => {
    const res = await fetch(`${h.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Write the greeting [[script:tool]]', agent: 'executor', permission_mode: 'acceptEdits' }),
    });
    expect(res.status).toBe(202);
    const { task_id } = (await res.json()) as { task_id: string };
    const task = await h.waitForTask(task_id, undefined, 90_000);
    expect({ status: task.status, error: task.error }).toEqual({ status: 'completed', error: null });
    expect(task.output).toContain('Wrote hello.txt.');
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STDOUT_LIMITS } from '../src/worker/stdout-messages.js';
import { type ScriptedHarness, startScriptedHarness } from './support/harness.js';

// Issue 13 item 4: a reply larger than the service keeps. The real CLI prints it as one `assistant` line and again
// as the `result` line; the service reads both as streams and keeps the head (STDOUT_LIMITS.stringChars) with a
// marker, so its memory does not grow with the reply. The task still completes, with its cost recorded.
describe('a reply larger than the service keeps', () => {
  let h: ScriptedHarness;
  beforeAll(async () => {
    h = await startScriptedHarness();
  }, 120_000);
  afterAll(() => h?.close());

  it('completes with the head of the reply and says how much was not kept', async () => {
    const kb = 5 * 1024 + 512;
    expect(kb * 1024).toBeGreaterThan(STDOUT_LIMITS.lineBytes);
    const { task_id } = await h.services.tasks.create({ session_id: 'huge', source: 'test', input_message: `[[script:long ${kb}]] a huge one` });
    const task = await h.waitForTask(task_id, undefined, 240_000);
    expect(task.status).toBe('completed');
    const output = task.output ?? '';
    expect(output.startsWith('Line 00001: the scripted model is writing a long reply.\n')).toBe(true);
    expect(output).toMatch(new RegExp(`\\n… \\(${kb * 1024 - STDOUT_LIMITS.stringChars} more characters not kept\\)$`));
    expect(output.length).toBeLessThan(STDOUT_LIMITS.stringChars + 100);
    expect(task.cost_usd).toBeGreaterThan(0);
  }, 300_000);
});

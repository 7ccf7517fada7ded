/**
 * Settling a finished run folds its events once (issue 13): the superseded deltas emptied and the final text and
 * result pointed at the task's output, in one transaction before `task.completed` is published. It used to run
 * twice (settle, then finish), the second time rewriting the same rows, every statement a round trip on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedHarness, type ScriptedHarness } from './support/harness.js';

describe('settling a completed run', () => {
  let h: ScriptedHarness;
  const statements: string[] = [];

  beforeAll(async () => {
    h = await startScriptedHarness({ onStatement: (text) => void statements.push(text) });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('folds its events once, and a replay still shows the output by reference', async () => {
    statements.length = 0;
    const sent = await h.request('POST', '/api/chat', { message: '[[script:text The one-line answer.]] a question' });
    const task = await h.waitForTask(sent.body.task_id);
    expect(task.status).toBe('completed');
    expect(task.output).toBe('The one-line answer.');
    // One fold: the superseded deltas emptied in one write, the final text and the result each made a reference to
    // the output (a second fold wrote them all again).
    const folds = statements.filter((s) => /^update "task_events" set "item"/i.test(s));
    expect(folds.filter((s) => / in \(/.test(s))).toHaveLength(1);
    expect(folds.filter((s) => /"seq" = \?$/.test(s))).toHaveLength(2);
    const events = (await h.request('GET', `/api/tasks/${task.task_id}/events?after=0`)).body.events as Array<{ item: { kind: string; result?: string } }>;
    const result = events.find((e) => e.item.kind === 'result')!;
    expect(result.item.result).toBe('The one-line answer.');
  }, 120_000);
});

// What one dashboard chat task costs the database end to end, counted on SQLite (issue 13: with a no-op runner the
// pipeline's ceiling is set by the statements each task runs, each one Kysely building a query and the database
// running it, a round trip on PostgreSQL). From `POST /api/chat` to the worker done with the task, nothing else
// running: the runner is a script that answers at once, as the bench's does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

const isBegin = (text: string) => /^\s*begin\b/i.test(text);

describe('statements per dashboard chat task on SQLite', () => {
  let model: ScriptedModel;
  let h: Harness;
  let dir: string;
  let finished = 0;
  const statements: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-chat-statements-'));
    const runner = path.join(dir, 'noop-claude');
    const result = JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'done', total_cost_usd: 0, num_turns: 1, duration_ms: 1, usage: {} });
    fs.writeFileSync(runner, ['#!/bin/bash', "read -r -d '' _prompt", `printf '%s\\n' '${result}'`, ''].join('\n'), { mode: 0o755 });
    model = await startScriptedModel();
    h = await startHarness({
      model,
      env: { CLAUDE_CODE_PATH: runner, SANDBOX: 'off' },
      onStatement: (text) => void statements.push(text),
      observers: [{ onFinish: () => void finished++ }],
    });
    await chat('warm-up: the first task creates what every later one finds');
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Sends one chat message and waits for its task's run to be done with (every statement the worker runs for it). */
  async function chat(message: string) {
    const before = finished;
    statements.length = 0;
    const answer = await h.request('POST', '/api/chat', { message });
    expect(answer.status).toBe(202);
    await eventually(() => finished > before, 'the task is finished');
    await eventually(() => h.services.worker!.runningCount === 0, 'the worker is done with it');
    await new Promise((r) => setTimeout(r, 200));
    return { answer, run: [...statements] };
  }

  it('a chat task is at most 33 statements in 4 transactions, its claim one statement, its events folded once', async () => {
    const { run } = await chat('one line');
    const listed = run.map((text, i) => `${i + 1}. ${text.slice(0, 120)}`).join('\n');
    // 51 statements in 8 transactions before issue 13's changes: the chat request's three writes, a claim tried alone
    // and then again in a transaction, expired grants dropped at every start, the events folded twice (each read
    // back first), the task read again after a post-run step that did nothing, the conversation read before the reply.
    expect(run.length, listed).toBeLessThanOrEqual(33);
    expect(run.filter(isBegin), listed).toHaveLength(4);
    const claims = run.filter((text) => /^update "tasks" set "attempts"/.test(text));
    expect(claims, listed).toHaveLength(1);
    expect(run[run.indexOf(claims[0]!) - 1], listed).toBe('commit'); // right after the chat's transaction: no read, no BEGIN
    expect(run.filter((text) => /"task_events"/.test(text) && !/^insert/.test(text)), listed).toHaveLength(1);
  });

  it('a finish writes the rows many tasks share (the rollups) last, just before its COMMIT, and not the session', async () => {
    // On PostgreSQL those rows stay locked to the COMMIT. The session's totals are counted when read: every webhook
    // task of a provider shares its session row, whose writes queued every finish behind the one before.
    const { run } = await chat('a third line');
    const start = run.findIndex((text) => /^update "tasks" set "output"/.test(text));
    const table = (text: string) => (text === 'commit' ? text : /^(\w+)\s+(?:into\s+)?"?(\w+)"?/.exec(text)?.slice(1, 3).join(' '));
    expect(run.slice(start, start + 4).map(table)).toEqual(['update tasks', 'update conversations', 'insert task_rollups', 'commit']);
  });

  it('the chat request is one transaction: its conversation, its message and its task', async () => {
    const { run } = await chat('another line');
    const request = run.slice(0, run.indexOf('commit') + 1);
    expect(request[0]).toBe('begin');
    expect(request.filter((text) => /^insert into "(conversations|conversation_messages|tasks)"/.test(text))).toHaveLength(3);
  });
});

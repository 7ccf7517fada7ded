import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../contracts/events.js';
import type { StreamItem } from '../contracts/stream-item.js';
import { createLogger } from '../logger.js';
import { Redactor } from '../security/redactor.js';
import { openStorage, type Storage } from '../storage/db.js';
import { createRepositories, type Repositories } from '../storage/repositories/index.js';
import { LocalEventBus } from './event-bus.js';
import { MAX_ITEM_TEXT_CHARS, TaskRecorder } from './task-recorder.js';

const TASK = 'task_rec';
const result = (text: string): StreamItem => ({
  kind: 'result',
  subtype: 'success',
  is_error: false,
  result: text,
  total_cost_usd: 0.01,
  num_turns: 1,
  duration_ms: 5,
  usage: { input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
});

describe('TaskRecorder on real SQLite', () => {
  let storage: Storage;
  let repos: Repositories;
  let bus: LocalEventBus;
  let published: LiveEvent[];

  beforeEach(async () => {
    storage = await openStorage({ sqliteFile: ':memory:' });
    repos = createRepositories(storage.db);
    await repos.tasks.create({ task_id: TASK, session_id: 's', source: 'test', input_message: 'x', status: 'running' } as never);
    bus = new LocalEventBus();
    published = [];
    bus.subscribe((e) => published.push(e));
  });
  afterEach(async () => storage.close());

  const recorder = () =>
    new TaskRecorder({ taskId: TASK, sessionId: 's', lastSeq: 0, events: repos.events, bus, redactor: new Redactor(), log: createLogger({ LOG_LEVEL: 'silent', secretValues: [] }), onFailure: () => undefined });
  const stored = async () => repos.events.listAfter(TASK, 0, 10_000);
  /** Ends a run as the worker does: the output on the task first, then the fold. */
  const end = async (r: TaskRecorder, output: string) => {
    await r.flush(true);
    await repos.tasks.update(TASK, { output });
    await r.fold(output);
  };

  it('stores the final text once: deltas emptied, the text item and the result refer to the output, replay shows it whole', async () => {
    const r = recorder();
    r.push({ kind: 'init', session_id: 'x', tools: [], agents: [], skills: [], mcp_servers: [] });
    for (const piece of ['Hel', 'lo, ']) {
      r.push({ kind: 'text_delta', text: piece });
      await r.flush(); // one row per flush
    }
    r.push({ kind: 'text_delta', text: 'world.' });
    r.push({ kind: 'text', text: 'Hello, world.', parent_tool_use_id: null });
    r.push(result('Hello, world.'));
    await end(r, 'Hello, world.');

    const rows = await storage.db.selectFrom('task_events').select(['seq', 'item']).orderBy('seq').execute();
    expect(rows.map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6]); // no hole
    expect(rows.filter((row) => row.item.includes('Hello, world.'))).toEqual([]); // kept on the task only
    expect(rows.map((row) => JSON.parse(row.item).text).slice(1, 4)).toEqual(['', '', '']);

    const replay = await stored();
    expect(replay.map((e) => e.item)).toEqual([
      expect.objectContaining({ kind: 'init' }),
      { kind: 'text_delta', text: '' },
      { kind: 'text_delta', text: '' },
      { kind: 'text_delta', text: '' },
      { kind: 'text', text: 'Hello, world.', parent_tool_use_id: null },
      result('Hello, world.'),
    ]);
    // Live clients saw the text as it streamed.
    const live = published.map((e) => (e.type === 'task.output' ? e.item : undefined));
    expect(live.filter((i) => i?.kind === 'text_delta').map((i) => (i as { text: string }).text).join('')).toBe('Hello, world.');
  });

  it('keeps deltas no text item completed, and an item whose text is not the output', async () => {
    const r = recorder();
    r.push({ kind: 'text', text: 'First block.', parent_tool_use_id: null });
    r.push({ kind: 'tool_use', id: 't1', name: 'Bash', input: {} });
    r.push({ kind: 'text_delta', text: 'cut off mid' });
    r.push(result('Other.'));
    await end(r, 'Other.');
    const items = (await stored()).map((e) => e.item);
    expect(items[0]).toEqual({ kind: 'text', text: 'First block.', parent_tool_use_id: null });
    expect(items[2]).toEqual({ kind: 'text_delta', text: 'cut off mid' });
    expect(items[3]).toEqual(result('Other.'));
    expect((await storage.db.selectFrom('task_events').select('item').where('seq', '=', 4).executeTakeFirstOrThrow()).item).not.toContain('Other.');
  });

  it('caps the text it stores and publishes; the finished run replays the whole output', async () => {
    const big = 'x'.repeat(MAX_ITEM_TEXT_CHARS * 3);
    const r = recorder();
    for (let i = 0; i < 3; i++) r.push({ kind: 'text_delta', text: big.slice(i * MAX_ITEM_TEXT_CHARS, (i + 1) * MAX_ITEM_TEXT_CHARS) });
    r.push({ kind: 'text', text: big, parent_tool_use_id: null });
    r.push(result(big));
    await r.flush(true);
    const frames = published.map((e) => JSON.stringify(e).length);
    expect(Math.max(...frames)).toBeLessThan(MAX_ITEM_TEXT_CHARS + 1_000);
    const during = (await stored()).at(-1)!.item as { result: string };
    expect(during.result).toMatch(/more characters; the whole text is the task's output\)$/);

    await repos.tasks.update(TASK, { output: big });
    await r.fold(big);
    const after = (await stored()).map((e) => e.item as { kind: string; text?: string; result?: string });
    expect(after.find((i) => i.kind === 'text')?.text).toBe(big);
    expect(after.find((i) => i.kind === 'result')?.result).toBe(big);
    const bytes = await storage.db.selectFrom('task_events').select((eb) => eb.fn.sum<number>(eb.fn('length', ['item'])).as('n')).executeTakeFirstOrThrow();
    expect(Number(bytes.n)).toBeLessThan(2_000); // the output is on the task, once
  });
});

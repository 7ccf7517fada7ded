/**
 * The seeded database of the analytics bench, generated deterministically so SQLite and PostgreSQL hold the same rows:
 * `tasks` spread over the last 365 days, the newest `full` of them as a run leaves them (stored events, the
 * conversation's messages, its compressed Claude transcript), the older ones as retention leaves them (the task row
 * with its output; events and transcripts pruned). Rows go to a Sink table by table, in batches, in column order.
 */
import zlib from 'node:zlib';

const DAY = 86_400_000;

/** Columns per table, with their PostgreSQL array type (for `unnest`). */
export const TABLES = {
  tasks: [
    ['task_id', 'text'], ['session_id', 'text'], ['conversation_id', 'text'], ['source', 'text'], ['requester', 'text'], ['rule', 'text'],
    ['assigned_agent', 'text'], ['model', 'text'], ['status', 'text'], ['input_message', 'text'], ['output', 'text'], ['outcome', 'text'],
    ['error', 'text'], ['cost_usd', 'float8'], ['input_tokens', 'int8'], ['output_tokens', 'int8'], ['cache_read_tokens', 'int8'],
    ['cache_creation_tokens', 'int8'], ['num_turns', 'int4'], ['duration_ms', 'int8'], ['claude_session_id', 'text'], ['attempts', 'int4'],
    ['event_count', 'int4'], ['created_at', 'int8'], ['queued_at', 'int8'], ['started_at', 'int8'], ['completed_at', 'int8'], ['updated_at', 'int8'],
  ],
  conversations: [
    ['conversation_id', 'text'], ['title', 'text'], ['source', 'text'], ['claude_session_id', 'text'], ['total_cost_usd', 'float8'],
    ['task_count', 'int4'], ['message_count', 'int4'], ['created_at', 'int8'], ['updated_at', 'int8'],
  ],
  conversation_messages: [
    ['message_id', 'text'], ['conversation_id', 'text'], ['task_id', 'text'], ['role', 'text'], ['content', 'text'],
    ['content_is_output', 'int4'], ['created_at', 'int8'],
  ],
  task_events: [['task_id', 'text'], ['seq', 'int4'], ['type', 'text'], ['item', 'text'], ['created_at', 'int8']],
  claude_sessions: [['session_id', 'text'], ['conversation_id', 'text'], ['transcript', 'text'], ['transcript_br', 'bytea'], ['updated_at', 'int8']],
} as const;
export type Table = keyof typeof TABLES;
export type Row = unknown[];

export interface Sink {
  write(table: Table, rows: Row[]): Promise<void>;
}

export interface SeedFacts {
  tasks: number;
  full: number;
  conversations: number;
  events: number;
  messages: number;
  transcripts: number;
  transcriptBytes: number;
  outputBytes: number;
  /** The requester with the most tasks, and how many. */
  busiest: { requester: string; tasks: number };
  /** The task at the middle of the created_at order, for the deep-page cursors. */
  middle: { created_at: number; cost_usd: number; task_id: string };
}

function prng(seed: number): () => number {
  // mulberry32
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const REQUESTERS: Array<[source: string, requester: string]> = [
  ...Array.from({ length: 120 }, (_, i): [string, string] => ['github', `github:dev${i}`]),
  ...Array.from({ length: 80 }, (_, i): [string, string] => ['slack', `slack:U${1000 + i}`]),
  ...Array.from({ length: 50 }, (_, i): [string, string] => ['jira', `jira:acct-${i}`]),
  ...Array.from({ length: 50 }, (_, i): [string, string] => ['dashboard', `dashboard:sess${i}`]),
];
const COMMANDS = ['ask', 'review', 'fix', 'triage', 'summarize'];
export const AGENTS = [null, 'brain', 'planning', 'executor', 'verifier', 'github-pr-review', 'jira-issue', 'slack-inquiry', 'sentry-error'];
export const MODELS: Array<[string | null, number]> = [
  ['claude-sonnet-4-5', 1],
  ['claude-opus-4-1', 5],
  ['claude-haiku-4-5', 0.33],
  [null, 1],
];
const WORDS =
  'the service reviewed this change and found that the handler retries the request without a backoff so a slow provider turns every ' +
  'webhook into three calls; I suggest moving the retry into the worker, adding a test for the timeout path, and keeping the cache ' +
  'warm across restarts. The migration looks safe: it adds a nullable column and an index built concurrently. `npm test` passes. ';
const TEXT = WORDS.repeat(40);
const text = (random: () => number, chars: number) => {
  const from = Math.floor(random() * WORDS.length);
  return TEXT.slice(from, from + Math.min(chars, TEXT.length - from));
};

/** A Claude Code transcript of a few turns, compressed as the service stores it (brotli, text mode, best quality). */
function transcriptBlob(): Buffer {
  const random = prng(7);
  // Prose, and file contents read by tools (modelled as random base-36 text, which compresses like code does not).
  const noise = (chars: number) => Array.from({ length: chars }, () => Math.floor(random() * 36).toString(36)).join('');
  const lines = Array.from({ length: 40 }, (_, i) =>
    JSON.stringify({ type: i % 2 ? 'assistant' : 'user', uuid: `u-${i}`, message: { role: i % 2 ? 'assistant' : 'user', content: TEXT.slice(i * 37, i * 37 + 1500) + noise(650) }, cwd: '/work/repo', version: '2.1.330' }),
  );
  return zlib.brotliCompressSync(Buffer.from(lines.join('\n')), { params: { [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT, [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
}

/** A finished run's stored events: init, thinking, tool calls and their results, emptied deltas, the final text and result (output by reference). */
function runEvents(random: () => number, taskId: string, at: number, model: string | null): Row[] {
  const items: object[] = [{ kind: 'init', session_id: `cs-${taskId}`, model, cwd: '/work/repo', tools: ['Bash', 'Read', 'Edit', 'Grep', 'Glob'], agents: [], skills: [], mcp_servers: ['agent'], permission_mode: 'default' }];
  items.push({ kind: 'thinking', text: text(random, 200 + Math.floor(random() * 600)) });
  const tools = Math.floor(random() * 8);
  for (let t = 0; t < tools; t++) {
    const id = `toolu_${t}${Math.floor(random() * 1e9).toString(36)}`;
    items.push({ kind: 'tool_use', id, name: ['Read', 'Grep', 'Bash', 'Edit'][t % 4], input: { file_path: `src/module-${t}.ts`, pattern: 'retry' }, parent_tool_use_id: null });
    items.push({ kind: 'tool_result', tool_use_id: id, content: text(random, 300 + Math.floor(random() * 1500)), is_error: false });
    if (t % 3 === 2) items.push({ kind: 'text', text: text(random, 120), parent_tool_use_id: null });
  }
  for (let d = 0; d < 3; d++) items.push({ kind: 'text_delta', text: '' });
  items.push({ kind: 'text', text: '', parent_tool_use_id: null, $output: 'text' });
  items.push({ kind: 'result', subtype: 'success', is_error: false, result: '', total_cost_usd: 0.02, num_turns: tools + 1, duration_ms: 30_000, session_id: `cs-${taskId}`, $output: 'result' });
  return items.map((item, i) => [taskId, i + 1, 'task.output', JSON.stringify(item), at + 200 + i * 900]);
}

const BATCH = 5000;

/** Generates `n` tasks (the newest `full` with events, messages, transcripts) into the sink. */
export async function generate(sink: Sink, n: number, full: number, now: number): Promise<SeedFacts> {
  const random = prng(42);
  const gauss = () => Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random());
  const conversationCount = Math.max(10, Math.round(n / 10));
  const conversations = new Map<string, { cost: number; tasks: number; messages: number; first: number; last: number; full: boolean }>();
  const requesterCount = new Map<string, number>();
  const span = 365 * DAY;
  const start = now - span;
  const blob = transcriptBlob();
  const facts = { events: 0, messages: 0, outputBytes: 0 };
  let middle: SeedFacts['middle'] | undefined;
  let tasks: Row[] = [];
  let events: Row[] = [];
  const messages: Row[] = [];
  for (let i = 0; i < n; i++) {
    const createdAt = Math.floor(start + (i / n) * span + random() * 1000);
    const [source0, requester0] = REQUESTERS[Math.floor(REQUESTERS.length * random() ** 3)]!; // skewed: the busiest asks ~15 %
    const sentry = random() < 0.03;
    const source = sentry ? 'sentry' : source0;
    const requester = sentry ? 'sentry' : requester0;
    requesterCount.set(requester, (requesterCount.get(requester) ?? 0) + 1);
    const rule = source === 'dashboard' ? null : `builtin:${source}:${COMMANDS[Math.floor(random() * COMMANDS.length)]}`;
    const agent = AGENTS[Math.floor(AGENTS.length * random() ** 1.5)]!;
    const m = random();
    const [model, price] = MODELS[m < 0.6 ? 0 : m < 0.75 ? 1 : m < 0.95 ? 2 : 3]!;
    const live = i >= n - 100;
    const o = random();
    const outcome = live ? null : o < 0.8 ? 'success' : o < 0.83 ? 'empty' : o < 0.91 ? 'error' : o < 0.94 ? 'cancelled' : o < 0.95 ? 'timeout' : o < 0.98 ? 'budget' : 'interrupted';
    const status = live
      ? (['running', 'queued', 'queued', 'waiting_approval'] as const)[i % 4]!
      : outcome === 'success' || outcome === 'empty' ? 'completed' : outcome === 'cancelled' ? 'cancelled' : 'failed';
    const neverRan = status === 'queued' || status === 'waiting_approval' || (outcome === 'cancelled' && random() < 0.3);
    const duration = neverRan || live ? null : Math.round(Math.min(1_800_000, Math.max(500, Math.exp(Math.log(60_000) + gauss()))));
    const input = duration === null ? 0 : Math.round((duration / 1000) * 2000 * (0.5 + random()));
    const outTokens = Math.round(input / 10);
    const cost = duration === null ? 0 : Math.round((input * 3e-6 + outTokens * 15e-6) * (price ?? 1) * 1e6) / 1e6;
    const conversationId = random() < 0.4 ? `conv_${String(Math.floor(conversationCount * random())).padStart(7, '0')}` : null;
    const id = `task_${createdAt.toString(36).padStart(9, '0')}${(i % 1296).toString(36).padStart(3, '0')}${Math.floor(random() * 2 ** 48).toString(16).padStart(12, '0')}`;
    const isFull = i >= n - full;
    // Output: a reply of log-normal length around 600 characters (capped at 4,000) for a run that answered.
    const output = outcome === 'success' ? text(random, Math.round(Math.min(4000, Math.exp(Math.log(600) + 0.6 * gauss())))) : null;
    facts.outputBytes += output?.length ?? 0;
    const ran = duration !== null && !live;
    let eventCount = 0;
    if (isFull && ran) {
      const rows = runEvents(random, id, createdAt, model);
      eventCount = rows.length;
      events.push(...rows);
    }
    if (conversationId) {
      const c = conversations.get(conversationId) ?? { cost: 0, tasks: 0, messages: 0, first: createdAt, last: 0, full: false };
      c.cost += cost;
      c.tasks += 1;
      c.last = createdAt;
      if (isFull) {
        c.full = true;
        messages.push([`msg_${id}_u`, conversationId, id, 'user', `task ${i}: please look at this`, 0, createdAt]);
        c.messages += 1;
        if (output !== null) {
          messages.push([`msg_${id}_a`, conversationId, id, 'assistant', '', 1, createdAt + 200 + (duration ?? 0)]);
          c.messages += 1;
        }
      }
      conversations.set(conversationId, c);
    }
    const startedAt = duration === null ? null : createdAt + 200;
    const completedAt = live ? null : duration === null ? createdAt + 500 : createdAt + 200 + duration;
    tasks.push([
      id, `sess-${i % 5000}`, conversationId, source, requester, rule, agent, model, status, `task ${i}`, output, outcome,
      status === 'failed' ? `${outcome}: seeded` : null, cost, input, outTokens, Math.round(input * 0.6), Math.round(input * 0.05),
      duration === null ? 0 : 1 + Math.floor(duration / 20_000), duration, ran ? `cs-${conversationId ?? id}` : null, 1, eventCount,
      createdAt, createdAt, startedAt, completedAt, completedAt ?? createdAt,
    ]);
    if (i === Math.floor(n / 2)) middle = { created_at: createdAt, cost_usd: cost, task_id: id };
    if (tasks.length >= BATCH) {
      await sink.write('tasks', tasks);
      tasks = [];
    }
    if (events.length >= BATCH) {
      facts.events += events.length;
      await sink.write('task_events', events);
      events = [];
    }
  }
  await sink.write('tasks', tasks);
  facts.events += events.length;
  await sink.write('task_events', events);
  const convRows: Row[] = [];
  const sessions: Row[] = [];
  for (const [id, c] of conversations) {
    convRows.push([id, `Conversation ${id.slice(5)}`, 'dashboard', `cs-${id}`, c.cost, c.tasks, c.messages, c.first, c.last]);
    // A transcript is kept only where a conversation can resume, and retention pruned the old ones.
    if (c.full) sessions.push([`cs-${id}`, id, '', blob, c.last]);
  }
  for (let b = 0; b < convRows.length; b += BATCH) await sink.write('conversations', convRows.slice(b, b + BATCH));
  for (let b = 0; b < messages.length; b += BATCH) await sink.write('conversation_messages', messages.slice(b, b + BATCH));
  for (let b = 0; b < sessions.length; b += 500) await sink.write('claude_sessions', sessions.slice(b, b + 500));
  const [requester, count] = [...requesterCount.entries()].sort((a, b) => b[1] - a[1])[0]!;
  return {
    tasks: n,
    full,
    conversations: conversations.size,
    events: facts.events,
    messages: messages.length,
    transcripts: sessions.length,
    transcriptBytes: blob.length,
    outputBytes: facts.outputBytes,
    busiest: { requester, tasks: count },
    middle: middle!,
  };
}

/**
 * Database bytes per task: what a batch of real runs (the Claude Code CLI against the scripted model) adds to the
 * database, counted as test/storage-budget.test.ts counts it (test/support/database-bytes.ts: SQLite pages in use,
 * PostgreSQL relation sizes after VACUUM FULL), before and after the batch, after a warm-up batch that gives every
 * table and index its first pages. The baseline each figure is divided by is the text the task is about (its input
 * and its output), measured on the same tasks.
 */
import { databaseBytes, transcriptBytes } from '../test/support/database-bytes.js';
import { startScriptedModel } from '../test/support/scripted-model.js';
import { BACKENDS, type BenchService, loadAverage, startBenchService, waitAllFinal } from './service.js';

const BATCH = Number(process.env.BENCH_STORAGE_BATCH ?? 16);
const BUDGET = 20 * 1024;

interface Kind {
  name: string;
  count: number;
  start(svc: BenchService, i: number): Promise<string>;
}

const line = (i: number) => `[[script:text The answer to question ${i} is one line.]] what is ${i}?`;

async function chat(svc: BenchService, message: string): Promise<string> {
  const res = await fetch(`${svc.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) });
  if (res.status !== 202) throw new Error(`POST /api/chat answered ${res.status}`);
  return ((await res.json()) as { task_id: string }).task_id;
}

const single = async (svc: BenchService, message: string) => (await svc.services.tasks.create({ session_id: 'bench', source: 'bench', input_message: message })).task_id;

const KINDS: Kind[] = [
  { name: 'one-line task, no conversation (cannot be resumed: no transcript kept)', count: BATCH, start: (svc, i) => single(svc, line(i)) },
  { name: 'one-line dashboard chat (its compressed transcript kept to resume)', count: BATCH, start: (svc, i) => chat(svc, line(i)) },
  { name: 'large reply (1 MB of text), no conversation', count: 2, start: (svc) => single(svc, '[[script:long 1024]] a long one') },
];

interface Measured {
  kind: string;
  perTask: number;
  transcript: number;
  text: number;
  n: number;
}

async function runBatch(svc: BenchService, kind: Kind): Promise<Measured> {
  const storage = svc.services.storage;
  const before = await databaseBytes(storage);
  const kept = await transcriptBytes(storage);
  const ids = await Promise.all(Array.from({ length: kind.count }, (_, i) => kind.start(svc, i)));
  await waitAllFinal(svc.services, ids);
  const rows = await storage.db.selectFrom('tasks').select(['status', 'input_message', 'output']).where('task_id', 'in', ids).execute();
  const failed = rows.filter((r) => r.status !== 'completed');
  if (failed.length) throw new Error(`${failed.length} tasks did not complete`);
  const after = await databaseBytes(storage);
  const transcripts = await transcriptBytes(storage);
  const text = rows.reduce((n, r) => n + Buffer.byteLength(r.input_message) + Buffer.byteLength(r.output ?? ''), 0);
  return { kind: kind.name, perTask: (after - before) / ids.length, transcript: (transcripts.stored - kept.stored) / ids.length, text: text / ids.length, n: ids.length };
}

export async function benchStorage(): Promise<string> {
  const startLoad = loadAverage();
  const rows: string[] = [];
  for (const backend of BACKENDS) {
    const model = await startScriptedModel();
    const svc = await startBenchService({ distributed: backend.distributed, env: { ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'test', DEFAULT_MODEL: 'claude-sonnet-4-5' } });
    try {
      await waitAllFinal(svc.services, await Promise.all([0, 1, 2].map((i) => chat(svc, `[[script:text Warm-up ${i}.]] hi`)).concat([single(svc, '[[script:text Warm-up.]] hi')])));
      for (const kind of KINDS) {
        const m = await runBatch(svc, kind);
        const large = kind.count < BATCH;
        const ok = large ? m.perTask <= 2 * m.text + BUDGET : m.perTask - m.transcript <= BUDGET;
        const target = large ? '≤ 2× the text + 20 KB' : '≤ 20 KB besides the transcript';
        const kb = (x: number) => (x / 1024).toFixed(1);
        rows.push(`| ${backend.name} | ${m.kind} | ${kb(m.perTask)} | ${kb(m.transcript)} | ${kb(m.text)} | ${(m.perTask / m.text).toFixed(1)}× | ${ok ? '✅' : '❌'} ${target} | ${m.n} |`);
      }
      console.log(`storage: ${backend.name} done`);
    } finally {
      await svc.close();
      await model.close();
    }
  }
  return [
    '## Database bytes per task (`bench/storage.ts`)',
    '',
    'Real runs (the Claude Code CLI against the scripted model), counted as test/storage-budget.test.ts counts them: the database\'s',
    'bytes on disk before and after a batch (SQLite pages in use after a WAL checkpoint; PostgreSQL tables, indexes and TOAST after',
    'VACUUM FULL), divided by the tasks in the batch, after a warm-up batch. Baseline: the task\'s own text (input and output bytes).',
    '',
    '| backend | task | KB of database per task | of which transcript KB | its text KB (baseline) | ÷ text | target | n |',
    '|---|---|---:|---:|---:|---:|---|---:|',
    ...rows,
    '',
    `Load average at start ${startLoad}, at end ${loadAverage()}.`,
  ].join('\n');
}

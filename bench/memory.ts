/**
 * Memory over 10,000 tasks: the service's resident memory after 1,000 tasks and after 10,000 (one-line tasks created
 * through TaskService, each run by the worker with the no-op runner: the whole pipeline but HTTP, which the ceiling
 * section covers; at a few tasks a second on a loaded 2-core machine, chats over HTTP would take most of an hour),
 * each sampled after a full garbage collection, so what is measured is what stays, not what a collection had not
 * reached yet. The baseline is the same process's memory once the service started, before any task.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CONCURRENCY } from './ceiling.js';
import { BACKENDS, type BenchService, loadAverage, noopRunner, startBenchService, waitAllFinal, wallMs } from './service.js';

const TASKS = Number(process.env.BENCH_MEMORY_TASKS ?? 10_000);
const BATCH = 1000;
/** SQLite only unless BENCH_MEMORY_BACKENDS=all: 10,000 tasks take minutes on each (the ceiling section says how many a second). */
const ONLY_SQLITE = process.env.BENCH_MEMORY_BACKENDS !== 'all';

/** A full collection (the flag is set here, so the bench needs no node option), then RSS and heap in MB. */
function sample(): { rss: number; heap: number } {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20 };
}

interface Row {
  backend: string;
  before: { rss: number; heap: number };
  samples: Array<{ tasks: number; rss: number; heap: number; tasksPerSecond: number }>;
}

/** Creates `count` one-line tasks and waits until all are final: the task ids and the seconds taken. */
async function batch(svc: BenchService, from: number, count: number): Promise<{ seconds: number; taskIds: string[] }> {
  const started = wallMs();
  const taskIds: string[] = [];
  for (let i = from; i < from + count; i++) {
    taskIds.push((await svc.services.tasks.create({ session_id: 'bench-memory', source: 'bench', input_message: `one line ${i}` })).task_id);
  }
  return { seconds: ((await waitAllFinal(svc.services, taskIds)) - started) / 1000, taskIds };
}

async function measure(backend: (typeof BACKENDS)[number]): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-bench-memory-'));
  const runner = noopRunner(dir);
  const svc = await startBenchService({ distributed: backend.distributed, env: { CLAUDE_CODE_PATH: runner.path, MAX_CONCURRENT_TASKS: String(CONCURRENCY) } });
  const row: Row = { backend: backend.name, before: sample(), samples: [] };
  try {
    for (let done = 0; done < TASKS; ) {
      const { seconds, taskIds } = await batch(svc, done, Math.min(BATCH, TASKS - done));
      done += taskIds.length;
      row.samples.push({ tasks: done, ...sample(), tasksPerSecond: taskIds.length / seconds });
      console.log(`memory: ${backend.name}: ${done} tasks, RSS ${row.samples.at(-1)!.rss.toFixed(0)} MB`);
    }
  } finally {
    await svc.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return row;
}

export async function benchMemory(): Promise<string> {
  const startLoad = loadAverage();
  const rows: Row[] = [];
  for (const backend of BACKENDS.filter((b) => !ONLY_SQLITE || !b.distributed)) rows.push(await measure(backend));
  const mb = (x: number) => x.toFixed(0);
  return [
    '## Memory over 10,000 tasks (`bench/memory.ts`)',
    '',
    `${ONLY_SQLITE ? 'SQLite only (`BENCH_MEMORY_BACKENDS=all` adds PostgreSQL + Redis). ' : ''}${TASKS.toLocaleString('en')} one-line tasks (TaskService.create, then the worker's whole run with the no-op runner; no HTTP) in batches of ${BATCH},`,
    `MAX_CONCURRENT_TASKS=${CONCURRENCY}; the service's process memory after each batch, sampled after two full garbage collections. Baseline: the`,
    'same process once the service had started, before any task. Growth is from the sample after the first 1,000 tasks (caches and',
    'code warm) to the last.',
    '',
    `| backend | RSS before (baseline) MB | RSS at 1k MB | RSS at ${TASKS / 1000}k MB | growth 1k → ${TASKS / 1000}k | target | heap at 1k / ${TASKS / 1000}k MB | RSS after each 1k |`,
    '|---|---:|---:|---:|---:|---|---:|---|',
    ...rows.map((r) => {
      const first = r.samples[0]!;
      const last = r.samples.at(-1)!;
      const growth = (last.rss - first.rss) / first.rss;
      return `| ${r.backend} | ${mb(r.before.rss)} | ${mb(first.rss)} | ${mb(last.rss)} | ${(growth * 100).toFixed(1)} % | ${growth < 0.1 ? '✅' : '❌'} < 10 % | ${mb(first.heap)} / ${mb(last.heap)} | ${r.samples.map((s) => mb(s.rss)).join(', ')} |`;
    }),
    '',
    `Load average at start ${startLoad}, at end ${loadAverage()}.`,
  ].join('\n');
}

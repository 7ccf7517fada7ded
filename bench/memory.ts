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
import { BACKENDS, type BenchService, loadAverage, startBenchService, waitAllFinal, wallMs } from './service.js';

const TASKS = Number(process.env.BENCH_MEMORY_TASKS ?? 10_000);
/** Tasks between two samples: 20 samples over 10,000 tasks, so the trend is fitted over many points, not two. */
const BATCH = 500;
/** Samples before this many tasks are the warm-up (caches and code filling), left out of the trend. */
const WARM = 1000;
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
  /** Peak RSS rise (MB) while one task with a reply of this many MB ran, per size, median of REPLY_RUNS. */
  replies: Array<{ mb: number; rise: number[] }>;
}

/** Reply sizes of the large-reply part, in MB: 0 is a one-line reply, the baseline. */
const REPLY_SIZES = [0, 5, 50];
const REPLY_RUNS = 3;

/**
 * The no-op runner, plus a reply of N bytes when the prompt holds `[[reply:N]]`: printed as the CLI prints a long
 * answer, once as the assistant message and again as the result, each one stdout line.
 */
function replyRunner(dir: string): string {
  const file = path.join(dir, 'reply-claude');
  const text = 'if [ "$n" -gt 0 ]; then head -c "$n" /dev/zero | tr \'\\0\' x; else printf done; fi';
  fs.writeFileSync(
    file,
    [
      '#!/bin/bash',
      "read -r -d '' prompt",
      'n=0; [[ $prompt =~ \\[\\[reply:([0-9]+)\\]\\] ]] && n=${BASH_REMATCH[1]}',
      `printf '%s' '{"type":"assistant","message":{"id":"m1","role":"assistant","content":[{"type":"text","text":"'; ${text}; printf '"}]}}\\n'`,
      `printf '%s' '{"type":"result","subtype":"success","is_error":false,"result":"'; ${text}; printf '","total_cost_usd":0,"num_turns":1,"duration_ms":1,"usage":{}}\\n'`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return file;
}

/** The peak RSS (VmHWM) since the last reset, in MB; `reset` starts a new peak from now (Linux: clear_refs 5). */
const highWater = {
  reset: () => fs.writeFileSync('/proc/self/clear_refs', '5'),
  mb: () => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) / 1024,
};

/** Peak RSS rise while one task replies `mb` MB: reset the peak after a collection, run it, read the peak. */
async function replyRise(svc: BenchService, mb: number): Promise<number> {
  const { rss } = sample();
  highWater.reset();
  const { task_id } = await svc.services.tasks.create({ session_id: 'bench-memory', source: 'bench', input_message: `[[reply:${mb * 2 ** 20}]]` });
  await waitAllFinal(svc.services, [task_id]);
  return highWater.mb() - rss;
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
  const svc = await startBenchService({ distributed: backend.distributed, env: { CLAUDE_CODE_PATH: replyRunner(dir), MAX_CONCURRENT_TASKS: String(CONCURRENCY) } });
  const row: Row = { backend: backend.name, before: sample(), samples: [], replies: REPLY_SIZES.map((mb) => ({ mb, rise: [] })) };
  try {
    for (let done = 0; done < TASKS; ) {
      const { seconds, taskIds } = await batch(svc, done, Math.min(BATCH, TASKS - done));
      done += taskIds.length;
      row.samples.push({ tasks: done, ...sample(), tasksPerSecond: taskIds.length / seconds });
      console.log(`memory: ${backend.name}: ${done} tasks, RSS ${row.samples.at(-1)!.rss.toFixed(0)} MB`);
    }
    for (let run = 0; run < REPLY_RUNS; run++) {
      for (const reply of row.replies) reply.rise.push(await replyRise(svc, reply.mb)); // sizes interleaved
    }
    console.log(`memory: ${backend.name}: replies ${row.replies.map((r) => `${r.mb} MB → +${r.rise.map((x) => x.toFixed(0)).join('/')} MB`).join(', ')}`);
  } finally {
    await svc.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return row;
}

/**
 * Growth from WARM tasks to the last sample as the least-squares line through every sample after the warm-up sees it,
 * as a share of the line's value at WARM: one sample's noise (a collection that freed a little more, malloc keeping a
 * page) moves it far less than it moves the difference between two samples.
 */
export function fittedGrowth(points: Array<{ x: number; y: number }>): number {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const slope = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  const at = (x: number) => my + slope * (x - mx);
  return (at(points.at(-1)!.x) - at(points[0]!.x)) / at(points[0]!.x);
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
    `same process once the service had started, before any task. Growth is that of the least-squares line through every sample from`,
    `${WARM.toLocaleString('en')} tasks on (caches and code warm by then), from its value at ${WARM.toLocaleString('en')} to its value at the last sample; the growth`,
    'between those two samples alone is shown beside it.',
    '',
    `| backend | RSS before (baseline) MB | RSS at 1k MB | RSS at ${TASKS / 1000}k MB | growth 1k → ${TASKS / 1000}k (fitted) | target | two-sample growth | heap at 1k / ${TASKS / 1000}k MB | heap growth (fitted) | RSS every ${BATCH} tasks |`,
    '|---|---:|---:|---:|---:|---|---:|---:|---:|---|',
    ...rows.map((r) => {
      const kept = r.samples.filter((s) => s.tasks >= WARM);
      const first = kept[0]!;
      const last = kept.at(-1)!;
      const rss = fittedGrowth(kept.map((s) => ({ x: s.tasks, y: s.rss })));
      const heap = fittedGrowth(kept.map((s) => ({ x: s.tasks, y: s.heap })));
      const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
      return `| ${r.backend} | ${mb(r.before.rss)} | ${mb(first.rss)} | ${mb(last.rss)} | ${pct(rss)} | ${rss < 0.1 ? '✅' : '❌'} < 10 % | ${pct((last.rss - first.rss) / first.rss)} | ${mb(first.heap)} / ${mb(last.heap)} | ${pct(heap)} | ${r.samples.map((s) => mb(s.rss)).join(', ')} |`;
    }),
    '',
    `**A large reply.** Then, in the same process, one task at a time whose runner prints a reply of ${REPLY_SIZES.filter(Boolean).join(' or ')} MB as the`,
    "CLI does (the assistant message, then the result: each one stdout line of that size), sizes interleaved, " + `${REPLY_RUNS} runs each. The peak`,
    'RSS (VmHWM, reset through /proc/self/clear_refs after a full collection) minus the RSS before the task. Baseline: a one-line reply.',
    'Target: a bounded rise: the service keeps the head of a long text (STDOUT_LIMITS, 4 MB a line and 4 M characters a string), so a',
    'reply ten times larger must not raise the peak much more: the 50 MB rise under twice the 5 MB one.',
    '',
    `| backend | ${REPLY_SIZES.map((mb) => (mb ? `${mb} MB reply: peak rise MB (runs)` : 'one-line reply: peak rise MB (runs)')).join(' | ')} | 50 MB ÷ 5 MB | target |`,
    `|---|${REPLY_SIZES.map(() => '---:').join('|')}|---:|---|`,
    ...rows.map((r) => {
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const rise = (mb: number) => median(r.replies.find((x) => x.mb === mb)!.rise);
      const ratio = rise(50) / Math.max(rise(5), 1);
      return `| ${r.backend} | ${r.replies.map((x) => `${median(x.rise).toFixed(0)} (${x.rise.map((v) => v.toFixed(0)).join(', ')})`).join(' | ')} | ${ratio.toFixed(2)}× | ${ratio < 2 ? '✅' : '❌'} < 2× |`;
    }),
    '',
    `Load average at start ${startLoad}, at end ${loadAverage()}.`,
  ].join('\n');
}

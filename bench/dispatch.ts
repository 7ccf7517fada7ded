/**
 * Dispatch: from a task's row being committed to its Claude Code child having started. The subject is the real
 * pipeline (TaskService.insert commits the row, announce publishes and enqueues it, the worker claims, prepares and
 * spawns); the baseline is the worker's own spawn function (startClaudeRun) starting the same no-op runner with no
 * service around it. Both ends are read the same way: the runner notes the wall clock as its first act. One task at
 * a time on an otherwise idle service, baseline and subject interleaved.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startClaudeRun } from '../src/worker/claude-run.js';
import { HelperSpawner } from '../src/worker/spawner.js';
import { fmt, quantile } from './report.js';
import { BACKENDS, loadAverage, noopRunner, type NoopRunner, startBenchService, waitAllFinal, wallMs } from './service.js';

const SAMPLES = Number(process.env.BENCH_DISPATCH_SAMPLES ?? 200);
const WARMUP = 10;

interface Row {
  backend: string;
  baseline: number[];
  subject: number[];
  /** Committed → the observers' onStart (queue, claim, budget admission, task.started published). */
  toStart: number[];
}

/** The start the runner noted since `seen` entries, in a working directory ending with `cwdEnd`. */
function startOf(runner: NoopRunner, cwdEnd: string): number {
  const found = runner.starts().findLast((s) => s.cwd.endsWith(cwdEnd));
  if (!found) throw new Error(`the no-op runner did not start in …${cwdEnd}`);
  return found.at;
}

async function measure(backend: (typeof BACKENDS)[number]): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-bench-dispatch-'));
  const bareDir = path.join(dir, 'bare');
  fs.mkdirSync(bareDir);
  const runner = noopRunner(dir);
  const started = new Map<string, number>();
  const observer = { onStart: (task: { task_id: string }) => void started.set(task.task_id, wallMs()) };
  const svc = await startBenchService({ distributed: backend.distributed, env: { CLAUDE_CODE_PATH: runner.path }, observers: [observer] });
  const row: Row = { backend: backend.name, baseline: [], subject: [], toStart: [] };
  // The baseline starts the runner as the worker does: through a spawn helper of its own (not by forking this process).
  const spawner = new HelperSpawner(createLogger(loadConfig({ LOG_LEVEL: 'silent' })));
  try {
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const t0 = wallMs();
      await startClaudeRun({ claudePath: runner.path, cwd: bareDir, prompt: 'bench', env: {} }, () => undefined, 5000, spawner).done;
      const bare = startOf(runner, '/bare') - t0;

      const task = await svc.services.tasks.insert({ session_id: 'bench-dispatch', source: 'bench', input_message: `dispatch ${i}` });
      const committed = wallMs();
      await svc.services.tasks.announce(task);
      await waitAllFinal(svc.services, [task.task_id], 30_000);
      const spawned = startOf(runner, task.task_id) - committed;
      if (i >= WARMUP) {
        row.baseline.push(bare);
        row.subject.push(spawned);
        row.toStart.push(started.get(task.task_id)! - committed);
      }
    }
  } finally {
    spawner.close();
    await svc.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return row;
}

export async function benchDispatch(): Promise<string> {
  const startLoad = loadAverage();
  const rows: Row[] = [];
  for (const backend of BACKENDS) {
    rows.push(await measure(backend));
    console.log(`dispatch: ${backend.name} done`);
  }
  const target = (r: Row) => (r.backend.startsWith('SQLite') ? 5 : 10);
  const cells = (xs: number[]) => `${fmt(quantile(xs, 0.5))} / ${fmt(quantile(xs, 0.9))} / ${fmt(quantile(xs, 0.99))}`;
  return [
    '## Dispatch (`bench/dispatch.ts`)',
    '',
    `Milliseconds from a task's row being committed (TaskService.insert resolved) to its Claude Code child running (the no-op`,
    'runner notes the wall clock as its first act): the real path of announce → queue → claim → prepare (workspace, Claude state,',
    'run settings) → spawn. Baseline, interleaved with it: the worker\'s own spawn function (startClaudeRun) starting the same runner',
    `with no service around it. One task at a time, ${WARMUP} warm-up pairs then n = ${SAMPLES} pairs per backend; API and worker in one`,
    'process, runs unsandboxed (SANDBOX=off). "committed → onStart": the part before the prepare step (announce, queue, claim, budget',
    'admission, `task.started` published), as a TaskObserver sees it; the rest is prepare (registry, workspace, Claude state) and the spawn.',
    '',
    '| backend | baseline: bare spawn p50 / p90 / p99 ms | committed → spawned p50 / p90 / p99 ms | of which committed → onStart p50 | ÷ baseline (p50) | target | n |',
    '|---|---:|---:|---:|---:|---|---:|',
    ...rows.map((r) => {
      const p50 = quantile(r.subject, 0.5);
      return `| ${r.backend} | ${cells(r.baseline)} | ${cells(r.subject)} | ${fmt(quantile(r.toStart, 0.5))} | ${(p50 / quantile(r.baseline, 0.5)).toFixed(1)}× | ${p50 < target(r) ? '✅' : '❌'} p50 < ${target(r)} ms | ${r.subject.length} |`;
    }),
    '',
    `Load average at start ${startLoad}, at end ${loadAverage()}.`,
  ].join('\n');
}

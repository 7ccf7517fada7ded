/**
 * Pipeline ceiling: tasks per second end to end with a no-op runner. Dashboard chat messages (`POST /api/chat` over
 * real HTTP, 50 connections, each message a conversation of its own) until every task is final, against the
 * baseline of the worker's own spawn function (startClaudeRun through a spawn helper, as the worker starts children)
 * starting the same runner as fast as it can at the same concurrency, with no service around it. Rounds of baseline and
 * subject interleaved.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/logger.js';
import { loadConfig } from '../src/config.js';
import { startClaudeRun } from '../src/worker/claude-run.js';
import { HelperSpawner, type Spawner } from '../src/worker/spawner.js';
import { BACKENDS, type BenchService, forkLoad, load, loadAverage, noopRunner, type NoopRunner, startBenchService, waitAllFinal, wallMs } from './service.js';

const TASKS = Number(process.env.BENCH_CEILING_TASKS ?? 500);
const ROUNDS = Number(process.env.BENCH_CEILING_ROUNDS ?? 3);
export const CONCURRENCY = 50;
const CONNECTIONS = 50;

/** Sends `count` chat messages over HTTP and waits until their tasks are final; seconds from the first send to the last end. */
export async function driveChats(svc: BenchService, child: ChildProcess, count: number): Promise<{ seconds: number; taskIds: string[]; refused: number }> {
  const requests = Array.from({ length: count }, (_, i) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: `one line ${i}` }) }));
  const started = wallMs();
  const sent = await load(child, `${svc.url}/api/chat`, requests, CONNECTIONS, true);
  const taskIds = (sent.bodies ?? []).flatMap((b) => {
    const id = (JSON.parse(b) as { task_id?: string }).task_id;
    return id ? [id] : [];
  });
  const ended = await waitAllFinal(svc.services, taskIds);
  return { seconds: (ended - started) / 1000, taskIds, refused: count - taskIds.length };
}

/**
 * Spawns the runner `count` times through startClaudeRun, `concurrency` at once: seconds taken. Through a spawn helper
 * of its own, as the worker does (spawner.ts): spawned from this process, each child would fork the whole service.
 */
async function bareSpawns(runner: NoopRunner, cwd: string, count: number, spawner: Spawner): Promise<number> {
  let next = 0;
  const started = wallMs();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < count) await startClaudeRun({ claudePath: runner.path, cwd, prompt: 'bench', env: {} }, () => undefined, 5000, spawner).done;
    }),
  );
  return (wallMs() - started) / 1000;
}

interface Row {
  backend: string;
  bare: number[];
  subject: number[];
  /** CPU time (user + system) of the service's process per task, in ms, each round. */
  cpu: number[];
  statuses: Record<string, number>;
  refused: number;
}

async function measure(backend: (typeof BACKENDS)[number]): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-bench-ceiling-'));
  const runner = noopRunner(dir);
  const svc = await startBenchService({ distributed: backend.distributed, env: { CLAUDE_CODE_PATH: runner.path, MAX_CONCURRENT_TASKS: String(CONCURRENCY) } });
  const child = forkLoad();
  const spawner = new HelperSpawner(createLogger(loadConfig({ LOG_LEVEL: 'silent' })));
  const row: Row = { backend: backend.name, bare: [], subject: [], cpu: [], statuses: {}, refused: 0 };
  try {
    await bareSpawns(runner, dir, 50, spawner); // warm-up, both
    await driveChats(svc, child, 50);
    for (let round = 0; round < ROUNDS; round++) {
      row.bare.push(TASKS / (await bareSpawns(runner, dir, TASKS, spawner)));
      const cpuBefore = process.cpuUsage();
      const { seconds, taskIds, refused } = await driveChats(svc, child, TASKS);
      const cpu = process.cpuUsage(cpuBefore);
      row.subject.push(taskIds.length / seconds);
      row.cpu.push((cpu.user + cpu.system) / 1000 / taskIds.length);
      row.refused += refused;
      const counts = await svc.services.storage.db.selectFrom('tasks').select(['status']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('status').execute();
      row.statuses = Object.fromEntries(counts.map((c) => [c.status, Number(c.n)]));
    }
  } finally {
    child.kill();
    spawner.close();
    await svc.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return row;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchCeiling(): Promise<string> {
  const startLoad = loadAverage();
  const rows: Row[] = [];
  for (const backend of BACKENDS) {
    rows.push(await measure(backend));
    console.log(`ceiling: ${backend.name} done`);
  }
  return [
    '## Pipeline ceiling (`bench/ceiling.ts`)',
    '',
    `Tasks per second end to end with the no-op runner: ${TASKS} dashboard chat messages (\`POST /api/chat\` over real HTTP, ${CONNECTIONS}`,
    'connections, each message a conversation of its own) from the first request to the last task final (checked in the database), at',
    `MAX_CONCURRENT_TASKS=${CONCURRENCY}. Baseline, interleaved round by round: the worker's own spawn function (through a spawn helper, as the worker) starting the same runner ${TASKS}`,
    `times, ${CONCURRENCY} at once, with no service around it. ${ROUNDS} rounds after a warm-up of 50 each; medians of the rounds (each round listed).`,
    'API and worker in one process, SANDBOX=off. Service CPU: user + system time of that process while a round ran, per task (the',
    'load generator, the spawn helper, the runners and the database servers are other processes): the pipeline\'s own cost, which',
    'a loaded machine changes far less than it changes rates.',
    '',
    '| backend | baseline: bare spawns/s | tasks/s end to end | rounds (tasks/s) | ÷ baseline | target | service CPU ms/task (rounds) | final statuses |',
    '|---|---:|---:|---|---:|---|---|---|',
    ...rows.map((r) => {
      const s = median(r.subject);
      const target = r.backend.startsWith('SQLite') ? 1000 : 500;
      const statuses = Object.entries(r.statuses).map(([k, v]) => `${v} ${k}`).join(', ') + (r.refused ? `; ${r.refused} refused` : '');
      return `| ${r.backend} | ${median(r.bare).toFixed(0)} | ${s.toFixed(0)} | ${r.subject.map((x) => x.toFixed(0)).join(', ')} | ${(s / median(r.bare)).toFixed(2)}× | ${s >= target ? '✅' : '❌'} ≥ ${target}/s | ${median(r.cpu).toFixed(2)} (${r.cpu.map((x) => x.toFixed(2)).join(', ')}) | ${statuses} |`;
    }),
    '',
    `Load average at start ${startLoad}, at end ${loadAverage()}.`,
  ].join('\n');
}

/**
 * Per-task overhead against the bare CLI: a one-turn dashboard chat through the service (`POST /api/chat` over real
 * HTTP until a WebSocket client watching the dashboard session gets `task.completed`) against the same Claude Code
 * CLI run bare (spawned with the same arguments and environment the worker gives it, timed from spawn to exit), both
 * answered by the same scripted model. Pairs interleaved, bare first then the service.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { projectRoot } from '../src/paths.js';
import { claudeArgs } from '../src/worker/claude-run.js';
import { childEnv } from '../src/worker/child-env.js';
import { connectLive } from '../test/support/harness.js';
import { startScriptedModel } from '../test/support/scripted-model.js';
import { fmt, quantile } from './report.js';
import { BACKENDS, loadAverage, startBenchService, wallMs } from './service.js';

const PAIRS = Number(process.env.BENCH_OVERHEAD_PAIRS ?? 25);
const WARMUP = 3;
const MODEL = 'claude-sonnet-4-5';
const CLAUDE = path.join(projectRoot, 'node_modules', '.bin', 'claude');

const message = (i: number) => `[[script:text The answer to question ${i} is one line.]] what is ${i}?`;

/** The CLI alone: a fresh config dir and workspace, as the worker gives each run; ms from spawn to exit. */
async function bare(modelUrl: string, dir: string, i: number): Promise<number> {
  const config = loadConfig({ ANTHROPIC_BASE_URL: modelUrl, ANTHROPIC_API_KEY: 'test', DATA_DIR: dir });
  const run = path.join(dir, `bare-${i}`);
  const configDir = path.join(run, 'home', '.claude');
  fs.mkdirSync(configDir, { recursive: true });
  fs.mkdirSync(path.join(run, 'work'));
  const t0 = wallMs();
  const child = spawn(CLAUDE, claudeArgs({ claudePath: CLAUDE, cwd: '', prompt: '', env: {}, model: MODEL, permissionMode: 'acceptEdits', maxTurns: 50 }), {
    cwd: path.join(run, 'work'),
    env: childEnv(config, { configDir }),
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  child.stdin.end(message(i));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0 || !out.includes('"type":"result"')) throw new Error(`the bare CLI failed (exit ${code}): ${out.slice(-300)}`);
  return wallMs() - t0;
}

interface Row {
  backend: string;
  bare: number[];
  service: number[];
}

async function measure(backend: (typeof BACKENDS)[number]): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-bench-overhead-'));
  const model = await startScriptedModel();
  const svc = await startBenchService({ distributed: backend.distributed, env: { ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'test', DEFAULT_MODEL: MODEL } });
  const live = await connectLive(`${svc.url.replace('http', 'ws')}/ws/dashboard`);
  const row: Row = { backend: backend.name, bare: [], service: [] };
  try {
    for (let i = 0; i < WARMUP + PAIRS; i++) {
      const b = await bare(model.url, dir, i);
      const t0 = wallMs();
      const res = await fetch(`${svc.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: message(i) }) });
      const { task_id } = (await res.json()) as { task_id: string };
      const end = await live.waitFor((e) => e.task_id === task_id && ['task.completed', 'task.failed'].includes(e.type), 120_000);
      if (end.type !== 'task.completed') throw new Error(`task ${task_id} failed: ${JSON.stringify(end).slice(0, 300)}`);
      const s = wallMs() - t0;
      if (i >= WARMUP) {
        row.bare.push(b);
        row.service.push(s);
      }
    }
  } finally {
    live.close();
    await svc.close();
    await model.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return row;
}

export async function benchOverhead(): Promise<string> {
  const startLoad = loadAverage();
  const rows: Row[] = [];
  for (const backend of BACKENDS) {
    rows.push(await measure(backend));
    console.log(`overhead: ${backend.name} done`);
  }
  const cells = (xs: number[]) => `${fmt(quantile(xs, 0.5))} / ${fmt(quantile(xs, 0.9))}`;
  return [
    '## Per-task overhead vs the bare CLI (`bench/overhead.ts`)',
    '',
    'A one-turn dashboard chat through the service (`POST /api/chat` over real HTTP → `task.completed` at a WebSocket client on the',
    'dashboard session) against the same Claude Code CLI run bare (the arguments and environment the worker gives it, a fresh',
    `config dir and workspace, spawn → exit); one scripted model answers both. ${WARMUP} warm-up pairs, then n = ${PAIRS} pairs, bare then service.`,
    'API and worker in one process; SANDBOX=off (the bare CLI is not sandboxed either).',
    '',
    '| backend | bare CLI p50 / p90 ms | through the service p50 / p90 ms | added p50 ms | ÷ bare (median wall) | target | n |',
    '|---|---:|---:|---:|---:|---|---:|',
    ...rows.map((r) => {
      const ratio = quantile(r.service, 0.5) / quantile(r.bare, 0.5);
      return `| ${r.backend} | ${cells(r.bare)} | ${cells(r.service)} | ${fmt(quantile(r.service, 0.5) - quantile(r.bare, 0.5))} | ${ratio.toFixed(2)}× | ${ratio <= 1.05 ? '✅' : '❌'} ≤ 1.05× | ${r.service.length} |`;
    }),
    '',
    `Load average at start ${startLoad}, at end ${loadAverage()}.`,
  ].join('\n');
}

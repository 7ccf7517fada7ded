/**
 * Per-task overhead against the bare CLI: a one-turn dashboard chat through the service (`POST /api/chat` over real
 * HTTP until a WebSocket client watching the dashboard session gets `task.completed`) against the same Claude Code
 * CLI run bare (spawned with the same arguments and environment the worker gives it, timed from spawn to exit), both
 * answered by the same scripted model. Pairs interleaved, the order flipping every pair.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { projectRoot } from '../src/paths.js';
import { claudeArgs } from '../src/worker/claude-run.js';
import { childEnv } from '../src/worker/child-env.js';
import { WebSocket } from 'ws';
import { startScriptedModel } from '../test/support/scripted-model.js';
import { fmt, quantile } from './report.js';
import { BACKENDS, loadAverage, startBenchService, wallMs } from './service.js';

const PAIRS = Number(process.env.BENCH_OVERHEAD_PAIRS ?? 30);
const WARMUP = 3;
const MODEL = 'claude-sonnet-4-5';
const CLAUDE = path.join(projectRoot, 'node_modules', '.bin', 'claude');

const message = (i: number) => `[[script:text The answer to question ${i} is one line.]] what is ${i}?`;

/** Milliseconds from the start to each stage of one run. */
interface Stages {
  /** The service: its `task.started` (claimed, being prepared); the bare CLI: 0. */
  started: number;
  /** The CLI's init message (it started, read its settings and connected its MCP servers). */
  init: number;
  /** The CLI's result message (the model's turn is done). */
  result: number;
  /** The bare CLI's exit; the service's `task.completed` at the client. */
  end: number;
}

/** The CLI alone: a fresh config dir and workspace, as the worker gives each run; spawn to exit. */
async function bare(modelUrl: string, dir: string, i: number): Promise<Stages> {
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
  const at = { init: NaN, result: NaN };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (Number.isNaN(at.init) && out.includes('"subtype":"init"')) at.init = wallMs() - t0;
    if (Number.isNaN(at.result) && out.includes('"type":"result"')) at.result = wallMs() - t0;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0 || !out.includes('"type":"result"')) throw new Error(`the bare CLI failed (exit ${code}): ${out.slice(-300)}`);
  return { started: 0, ...at, end: wallMs() - t0 };
}

/** Live events of the dashboard session, each with the wall-clock time it arrived. */
async function watch(url: string): Promise<{ seen: Array<{ at: number; e: any }>; close(): void }> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/ws/dashboard`);
  const seen: Array<{ at: number; e: any }> = [];
  socket.on('message', (data) => seen.push({ at: wallMs(), e: JSON.parse(data.toString()) }));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return { seen, close: () => socket.close() };
}

/** The stages of one chat through the service, from POST /api/chat to `task.completed` at the client. */
async function throughService(url: string, live: Awaited<ReturnType<typeof watch>>, i: number): Promise<Stages> {
  const t0 = wallMs();
  const res = await fetch(`${url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: message(i) }) });
  const { task_id } = (await res.json()) as { task_id: string };
  const deadline = Date.now() + 120_000;
  const find = (p: (e: any) => boolean) => live.seen.find((s) => s.e.task_id === task_id && p(s.e));
  while (!find((e) => ['task.completed', 'task.failed'].includes(e.type))) {
    if (Date.now() > deadline) throw new Error(`task ${task_id} did not end`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const end = find((e) => ['task.completed', 'task.failed'].includes(e.type))!;
  if (end.e.type !== 'task.completed') throw new Error(`task ${task_id} failed: ${JSON.stringify(end.e).slice(0, 300)}`);
  const at = (p: (e: any) => boolean) => (find(p)?.at ?? NaN) - t0;
  return {
    started: at((e) => e.type === 'task.started'),
    init: at((e) => e.type === 'task.output' && e.item.kind === 'init'),
    result: at((e) => e.type === 'task.output' && e.item.kind === 'result'),
    end: end.at - t0,
  };
}

interface Row {
  backend: string;
  bare: Stages[];
  service: Stages[];
}

async function measure(backend: (typeof BACKENDS)[number]): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-bench-overhead-'));
  const model = await startScriptedModel();
  const svc = await startBenchService({ distributed: backend.distributed, env: { ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'test', DEFAULT_MODEL: MODEL } });
  const live = await watch(svc.url);
  const row: Row = { backend: backend.name, bare: [], service: [] };
  try {
    for (let i = 0; i < WARMUP + PAIRS; i++) {
      // Order flips every pair (bare first, then service first), so whatever favours the first or the second run of a
      // pair (a warm model server, the page cache, the other's exit still settling) hits both alike.
      const bareFirst = i % 2 === 0;
      const first = bareFirst ? await bare(model.url, dir, i) : await throughService(svc.url, live, i);
      const second = bareFirst ? await throughService(svc.url, live, i) : await bare(model.url, dir, i);
      const [b, s] = bareFirst ? [first, second] : [second, first];
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
  const p50 = (xs: Stages[], f: (s: Stages) => number) => fmt(quantile(xs.map(f), 0.5));
  const stages = (label: string, xs: Stages[]) =>
    `| ${label} | ${p50(xs, (s) => s.started)} | ${p50(xs, (s) => s.init - s.started)} | ${p50(xs, (s) => s.result - s.init)} | ${p50(xs, (s) => s.end - s.result)} | ${p50(xs, (s) => s.end)} |`;
  return [
    '## Per-task overhead vs the bare CLI (`bench/overhead.ts`)',
    '',
    'A one-turn dashboard chat through the service (`POST /api/chat` over real HTTP → `task.completed` at a WebSocket client on the',
    'dashboard session) against the same Claude Code CLI run bare (the arguments and environment the worker gives it, a fresh',
    `config dir and workspace, spawn → exit); one scripted model answers both. ${WARMUP} warm-up pairs, then n = ${PAIRS} pairs, the order flipping every pair.`,
    'API and worker in one process; SANDBOX=off (the bare CLI is not sandboxed either).',
    '',
    '| backend | bare CLI p50 / p90 ms | through the service p50 / p90 ms | added p50 ms | ÷ bare (median wall) | target | n |',
    '|---|---:|---:|---:|---:|---|---:|',
    ...rows.map((r) => {
      const [b, s] = [r.bare.map((x) => x.end), r.service.map((x) => x.end)];
      const ratio = quantile(s, 0.5) / quantile(b, 0.5);
      return `| ${r.backend} | ${cells(b)} | ${cells(s)} | ${fmt(quantile(s, 0.5) - quantile(b, 0.5))} | ${ratio.toFixed(2)}× | ${ratio <= 1.05 ? '✅' : '❌'} ≤ 1.05× | ${s.length} |`;
    }),
    '',
    'Where the time goes (medians of each stage, ms): for the service, as the WebSocket client saw each event (task output is',
    'stored, then published, in batches); for the bare CLI, as its stdout lines came.',
    '',
    '| run | start → started (claimed; being prepared) | → CLI init (spawned, settings, MCP connected) | → result (the model\'s turn) | → end (exit / task.completed) | total |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.flatMap((r) => [stages(`bare CLI (${r.backend} pairs)`, r.bare), stages(`service, ${r.backend}`, r.service)]),
    '',
    `Load average at start ${startLoad}, at end ${loadAverage()}.`,
  ].join('\n');
}

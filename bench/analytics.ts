/**
 * `npm run bench -- analytics [--tasks N] [--samples N] [--backends sqlite,postgres]`: analytics and ledger over real
 * HTTP, on SQLite and on PostgreSQL. For each database it seeds a large database (N tasks, default 1,000,000) and a
 * baseline one (10,000 tasks, seeded the same way), serves each from a service process of its own, and times every
 * call from this process one at a time, in rounds: each call on the baseline then on the large database, every call
 * of the list in each round, so drift and noise hit both alike. Then the CSV export of the busiest requester (rows/s,
 * the service's peak RSS), and for each missed target a CPU profile of the service while it answers that call.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BackendResult, type CaseResult, METHOD, NOTES, renderBackend } from './analytics-report.js';
import { CASES } from './analytics-cases.js';
import { closeClient, get, type Service, startService } from './analytics-client.js';
import { dropSchema, seedPostgres, seedSqlite, type Seeded } from './analytics-seed.js';
import { projectRoot } from '../src/paths.js';
import { topFrames } from './cpu-profile.js';

const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SMALL = 10_000;
/** The share of tasks seeded as a run leaves them (events, messages, transcript); the rest as retention leaves them. */
const FULL_SHARE = 0.02;
const WARMUP = 5;
const CSV_RUNS = 3;

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : (process.env[`BENCH_${name.toUpperCase()}`] ?? fallback);
}

const log = (msg: string) => console.log(`[bench analytics ${new Date().toISOString().slice(11, 19)}] ${msg}`);

interface Served {
  seeded: Seeded;
  service: Service;
  cleanup: () => Promise<void>;
}

async function serve(backend: 'sqlite' | 'postgres', dir: string, n: number, now: number): Promise<Served> {
  const full = Math.round(n * FULL_SHARE);
  const dataDir = path.join(dir, `data-${n}`);
  fs.mkdirSync(dataDir, { recursive: true });
  if (backend === 'sqlite') {
    const file = path.join(dir, `agent-${n}.db`);
    const seeded = await seedSqlite(file, n, full, now);
    const service = await startService({ DATA_DIR: dataDir, BENCH_SQLITE_FILE: file });
    return { seeded, service, cleanup: async () => undefined };
  }
  const schema = `bench_analytics_${n}_${Date.now().toString(36)}`;
  try {
    const seeded = await seedPostgres(POSTGRES_URL, schema, n, full, now);
    const service = await startService({ DATA_DIR: dataDir, DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema });
    return { seeded, service, cleanup: () => dropSchema(POSTGRES_URL, schema) };
  } catch (err) {
    await dropSchema(POSTGRES_URL, schema);
    throw err;
  }
}

async function measure(small: Served, large: Served, samples: number): Promise<CaseResult[]> {
  const urls = CASES.map((c) => ({ small: small.service.url + c.url(small.seeded), large: large.service.url + c.url(large.seeded) }));
  const results: CaseResult[] = CASES.map((c) => ({ c, small: [], large: [], bytes: 0 }));
  for (let round = -WARMUP; round < samples; round++) {
    for (const [i, u] of urls.entries()) {
      // A then B, then B then A next round: neither side always follows the other.
      const order = round % 2 === 0 ? (['small', 'large'] as const) : (['large', 'small'] as const);
      for (const side of order) {
        const answer = await get(u[side]);
        if (round < 0) continue;
        results[i]![side].push(answer.ms);
        if (side === 'large') results[i]!.bytes = answer.bytes;
      }
    }
    if (round > 0 && round % 50 === 0) log(`round ${round} of ${samples}`);
  }
  return results;
}

async function csvExport(large: Served): Promise<BackendResult['csv']> {
  const url = `${large.service.url}/api/ledger?format=csv&requester=${encodeURIComponent(large.seeded.busiest.requester)}`;
  const runs: Array<{ ms: number; rows: number; bytes: number; peak: number }> = [];
  let idle = Infinity;
  for (let i = 0; i < CSV_RUNS; i++) {
    idle = Math.min(idle, (await large.service.peak()).now); // also resets the peak
    const answer = await get(url);
    runs.push({ ms: answer.ms, rows: answer.lines - 1, bytes: answer.bytes, peak: (await large.service.peak()).rss });
  }
  runs.sort((a, b) => a.ms - b.ms);
  const median = runs[Math.floor(runs.length / 2)]!;
  return { ...median, idle, maxPeak: Math.max(...runs.map((r) => r.peak)), runs: runs.length };
}

/** For a missed target: a CPU profile of the large service while it answers the call in a loop for 3 s. */
async function profileMiss(large: Served, url: string, dir: string): Promise<Array<{ frame: string; share: number }>> {
  const file = path.join(dir, `miss-${Date.now()}.cpuprofile`);
  const { done } = await large.service.profile(3000, file);
  const until = performance.now() + 3000;
  while (performance.now() < until) await get(url);
  await done;
  return topFrames(file);
}

async function benchBackend(backend: 'sqlite' | 'postgres', n: number, samples: number): Promise<BackendResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cca-bench-analytics-${backend}-`));
  const now = Date.now();
  const served: Served[] = [];
  try {
    log(`${backend}: seeding ${SMALL.toLocaleString('en')} tasks`);
    served.push(await serve(backend, dir, SMALL, now));
    log(`${backend}: seeding ${n.toLocaleString('en')} tasks`);
    served.push(await serve(backend, dir, n, now));
    const [small, large] = served as [Served, Served];
    log(`${backend}: seeded in ${(large.seeded.seedMs / 1000).toFixed(1)} s, rollups in ${(large.seeded.rollupMs / 1000).toFixed(1)} s; timing ${CASES.length} calls × ${samples}`);
    const cases = await measure(small, large, samples);
    log(`${backend}: CSV export of ${large.seeded.busiest.requester} (${large.seeded.busiest.tasks.toLocaleString('en')} tasks)`);
    const csv = await csvExport(large);
    for (const r of cases) {
      const median = [...r.large].sort((a, b) => a - b)[Math.floor(r.large.length / 2)]!;
      if (r.c.target !== null && median >= r.c.target) {
        log(`${backend}: ${r.c.name} missed (${median.toFixed(1)} ms): profiling`);
        r.profile = await profileMiss(large, large.service.url + r.c.url(large.seeded), dir);
      }
    }
    return { backend, small: small.seeded, large: large.seeded, cases, csv, samples };
  } finally {
    for (const s of served) {
      await s.service.close();
      await s.cleanup();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchAnalytics(): Promise<string> {
  const n = Number(flag('tasks', '1000000'));
  const samples = Number(flag('samples', '200'));
  const backends = flag('backends', 'sqlite,postgres').split(',') as Array<'sqlite' | 'postgres'>;
  const load = os.loadavg();
  const started = performance.now();
  const parts: string[] = [];
  try {
    for (const backend of backends) parts.push(renderBackend(await benchBackend(backend, n, samples)));
  } finally {
    closeClient();
  }
  const minutes = (performance.now() - started) / 60_000;
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: projectRoot }).toString().trim();
  } catch {
    // not a git checkout
  }
  const given = (name: string, value: string) => (process.argv.includes(`--${name}`) ? ` --${name} ${value}` : '');
  const command = `npm run bench -- analytics${given('tasks', String(n))}${given('samples', String(samples))}${given('backends', backends.join(','))}`;
  return [
    '## Analytics and ledger (`bench/analytics.ts`)',
    '',
    `Command: \`${command}\` at commit ${commit}; ${minutes.toFixed(1)} min in all. Load average at start ${load.map((l) => l.toFixed(2)).join(' / ')}, at end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')}.`,
    '',
    METHOD,
    '',
    ...parts,
    NOTES,
  ].join('\n');
}

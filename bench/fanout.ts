/**
 * Fan-out: how late a run's events reach WebSocket clients after they are stored. The real TaskRecorder stores each
 * batch (SQLite, or PostgreSQL) and publishes it (in-process bus, or Redis pub/sub between a "worker" bus and an "API"
 * bus, as in a distributed deployment); the real WebSocketHub on Fastify serves 100 clients spread over processes of
 * their own (bench/fanout-swarm.ts). For each event: the time from its batch being stored to its arrival at the first
 * client (the baseline: the same event, the same run) and at the 100th client, which the hub serves last. Then 1,000
 * clients and one run: whether every event reached every client (or the client was cut with 1013, to replay), and how
 * long GET /health took meanwhile against the same probe with the clients connected and no run going.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type EventBus, LocalEventBus } from '../src/live/event-bus.js';
import { RedisEventBus } from '../src/live/redis-event-bus.js';
import { TaskRecorder } from '../src/live/task-recorder.js';
import { WebSocketHub } from '../src/live/ws-hub.js';
import { createLogger } from '../src/logger.js';
import { Redactor } from '../src/security/redactor.js';
import { openStorage } from '../src/storage/db.js';
import { TaskEventRepository, type StoredEvent } from '../src/storage/repositories/task-events.js';
import { HealthProbe, Swarm, type ClientReport } from './fanout-swarm.js';
import { fmt, quantile } from './report.js';

const CLIENTS = Number(process.env.BENCH_FANOUT_CLIENTS ?? 100);
/** Clients of the one run that shows a thousand clients are harmless. */
const MANY_CLIENTS = Number(process.env.BENCH_FANOUT_MANY_CLIENTS ?? 1000);
/** Processes the clients are spread over (each reads its share of the sockets). */
const PROCESSES = Number(process.env.BENCH_FANOUT_PROCESSES ?? 4);
const EVENTS = 1000;
const RUNS = Number(process.env.BENCH_FANOUT_RUNS ?? 9);
const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const now = () => performance.timeOrigin + performance.now();

interface Backend {
  name: string;
  events: TaskEventRepository;
  publisherBus: EventBus;
  hubBus: EventBus;
  close(): Promise<void>;
}

async function embedded(): Promise<Backend> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-bench-fanout-'));
  const storage = await openStorage({ sqliteFile: path.join(dir, 'agent.db') });
  const bus = new LocalEventBus();
  return {
    name: 'embedded (SQLite, in-process bus)',
    events: new TaskEventRepository(storage.db),
    publisherBus: bus,
    hubBus: bus,
    close: async () => {
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function distributed(): Promise<Backend> {
  const schema = `bench_fanout_${Date.now().toString(36)}`;
  const storage = await openStorage({ databaseUrl: POSTGRES_URL, schema });
  const prefix = `cca-bench-${Date.now().toString(36)}`;
  const [a, b] = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
  const publisherBus = new RedisEventBus(a, prefix);
  const hubBus = new RedisEventBus(b, prefix);
  await Promise.all([publisherBus.whenReady(), hubBus.whenReady()]);
  return {
    name: 'PostgreSQL + Redis (worker bus → Redis → API bus)',
    events: new TaskEventRepository(storage.db),
    publisherBus,
    hubBus,
    close: async () => {
      await publisherBus.close();
      await hubBus.close();
      a.disconnect();
      b.disconnect();
      await storage.close();
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

/** Feeds one run of EVENTS items through a recorder in bursts, as a CLI's stream comes, and notes when each is stored. */
async function oneRun(backend: Backend, taskId: string, stored: Map<number, number>): Promise<void> {
  const events: Pick<TaskEventRepository, 'append'> = {
    append: async (rows: StoredEvent[]) => {
      await backend.events.append(rows);
      const at = now();
      for (const r of rows) stored.set(r.seq, at);
    },
  };
  const recorder = new TaskRecorder({
    taskId,
    sessionId: 'bench',
    lastSeq: 0,
    events: events as TaskEventRepository,
    bus: backend.publisherBus,
    redactor: new Redactor([]),
    log: createLogger({ LOG_LEVEL: 'silent', secretValues: [] }),
    onFailure: (err) => {
      throw err;
    },
  });
  for (let i = 0; i < EVENTS; i++) {
    // Tool calls and their results alternate (deltas would be merged into fewer events).
    recorder.push(i % 2 ? { kind: 'status', message: `step ${i}` } : { kind: 'text', text: `line ${i} `.repeat(8) });
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1));
  }
  await recorder.flush(true);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const p50p99 = (samples: number[]) => ({ p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) });

/** One run; then every client's report, once each has every event or was closed (or a minute has passed). */
async function runAndCollect(backend: Backend, swarm: Swarm): Promise<{ stored: Map<number, number>; reports: ClientReport[] }> {
  const taskId = `bench-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const stored = new Map<number, number>();
  await oneRun(backend, taskId, stored);
  const deadline = Date.now() + 60_000;
  let reports: ClientReport[];
  do {
    await sleep(200);
    reports = await swarm.report(taskId, EVENTS);
  } while (reports.some((r) => r.count !== undefined && r.count < EVENTS && r.closeCode === null) && Date.now() < deadline);
  return { stored, reports };
}

/** Per seq: ms from its batch being stored to its arrival at the first and at the last client (both watched). */
function arrivals(stored: Map<number, number>, reports: ClientReport[], into: { first: number[]; last: number[] }): number {
  let missing = 0;
  const [a, b] = [reports[0]!.times!, reports.at(-1)!.times!];
  for (let seq = 1; seq <= EVENTS; seq++) {
    const at = stored.get(seq)!;
    if (a[seq - 1] == null || b[seq - 1] == null) missing++;
    else {
      into.first.push(a[seq - 1]! - at);
      into.last.push(b[seq - 1]! - at);
    }
  }
  return missing;
}

export interface FanoutResult {
  backend: string;
  first: { p50: number; p99: number };
  last: { p50: number; p99: number };
  samples: number;
  missing: number;
}

/** CLIENTS clients, RUNS runs (the first warms up): stored → first and → last client. */
async function latency(backend: Backend, url: string): Promise<FanoutResult> {
  const swarm = await Swarm.open(url, CLIENTS, PROCESSES, true);
  const measured = { first: [] as number[], last: [] as number[] };
  let missing = 0;
  try {
    for (let run = 0; run < RUNS; run++) {
      const { stored, reports } = await runAndCollect(backend, swarm);
      missing += arrivals(stored, reports, run > 0 ? measured : { first: [], last: [] });
    }
  } finally {
    swarm.close();
  }
  return { backend: backend.name, first: p50p99(measured.first), last: p50p99(measured.last), samples: measured.last.length, missing };
}

export interface HarmlessResult {
  backend: string;
  /** Clients that got every event of the run, in order. */
  complete: number;
  /** Clients cut with 1013 (they reconnect and replay). */
  cut: number;
  /** Clients neither complete nor cut: events lost, out of order, or closed for another reason. */
  failed: number;
  first: { p50: number; p99: number };
  last: { p50: number; p99: number };
  health: { idle: { p50: number; p99: number }; during: { p50: number; p99: number }; n: number };
}

/** MANY_CLIENTS clients and one run, with GET /health probed before (no run going) and during it. */
async function harmless(backend: Backend, url: string): Promise<HarmlessResult> {
  const swarm = await Swarm.open(url.replace('http', 'ws'), MANY_CLIENTS, PROCESSES);
  const probe = new HealthProbe();
  try {
    await probe.start(url);
    await sleep(2_000);
    const idle = await probe.stop();
    await probe.start(url);
    const { stored, reports } = await runAndCollect(backend, swarm);
    const during = await probe.stop();
    const measured = { first: [] as number[], last: [] as number[] };
    arrivals(stored, reports, measured);
    const complete = reports.filter((r) => r.count === EVENTS && r.ordered && r.closeCode === null).length;
    const cut = reports.filter((r) => r.closeCode === 1013).length;
    return {
      backend: backend.name,
      complete,
      cut,
      failed: reports.length - complete - cut,
      first: p50p99(measured.first),
      last: p50p99(measured.last),
      health: { idle: p50p99(idle), during: p50p99(during), n: during.length },
    };
  } finally {
    probe.close();
    swarm.close();
  }
}

async function measure(backend: Backend): Promise<{ latency: FanoutResult; harmless: HarmlessResult }> {
  const app = Fastify();
  await app.register(websocket);
  const hub = new WebSocketHub(backend.hubBus);
  hub.register(app);
  app.get('/health', async () => ({ status: 'ok' }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    return { latency: await latency(backend, url.replace('http', 'ws')), harmless: await harmless(backend, url) };
  } finally {
    hub.close();
    await app.close();
  }
}

export async function benchFanout(): Promise<string> {
  const results: Array<{ latency: FanoutResult; harmless: HarmlessResult }> = [];
  for (const make of [embedded, distributed]) {
    const backend = await make();
    try {
      results.push(await measure(backend));
    } finally {
      await backend.close();
    }
    console.log(`fan-out: ${backend.name} done`);
  }
  const rows = results.map(({ latency: r }) => {
    const added = r.last.p99 - r.first.p99;
    return `| ${r.backend} | ${fmt(r.first.p50)} / ${fmt(r.first.p99)} | ${fmt(r.last.p50)} / ${fmt(r.last.p99)} | ${fmt(added)} | ${added < 10 ? '✅' : '❌'} < 10 | ${r.samples}${r.missing ? ` (${r.missing} never arrived)` : ''} |`;
  });
  const many = results.map(({ harmless: r }) => {
    const ok = r.failed === 0 && r.complete + r.cut === MANY_CLIENTS && r.health.n > 0;
    const { idle, during, n } = r.health;
    return `| ${r.backend} | ${r.complete} | ${r.cut} | ${r.failed} | ${fmt(r.first.p50)} / ${fmt(r.first.p99)} | ${fmt(r.last.p50)} / ${fmt(r.last.p99)} | ${fmt(idle.p50)} / ${fmt(idle.p99)} → ${fmt(during.p50)} / ${fmt(during.p99)} (${n}) | ${ok ? '✅' : '❌'} |`;
  });
  return [
    `## Fan-out (\`bench/fanout.ts\`)`,
    '',
    `${CLIENTS} clients subscribed to every task, spread over ${PROCESSES} client processes in turn; the first and the ${CLIENTS}th are \`ws\``,
    `clients noting when each event arrives, the ${CLIENTS - 2} others read every byte and parse none (a browser parses on its own`,
    'machine, not on the two cores the service has here; one process parsing 100 sockets in turn was most of what an earlier',
    `version of this figure saw). ${RUNS} runs of ${EVENTS} events each through the real TaskRecorder (stored, then published) and`,
    'WebSocketHub; the first run warms up. Milliseconds from an event\'s batch being stored to its arrival at the first client',
    `(baseline, same event) and at the ${CLIENTS}th, which the hub serves last.`,
    '',
    `| backend | stored → 1st client p50 / p99 ms | stored → ${CLIENTS}th client p50 / p99 ms | added p99 ms | target | samples |`,
    '|---|---:|---:|---:|---|---:|',
    ...rows,
    '',
    `**${MANY_CLIENTS.toLocaleString('en')} \`ws\` clients** (over ${PROCESSES} processes), one run of ${EVENTS} events: clients that got every event in order, clients cut`,
    'with 1013 (too slow: they reconnect and replay), clients that lost an event or were closed otherwise (must be 0), and',
    '`GET /health` on the same server asked every 10 ms from another process, with the clients connected and no run going',
    '(baseline) → while the run and its fan-out went on (n answers).',
    '',
    `| backend | every event, in order | cut (1013) | lost | stored → 1st client p50 / p99 ms | stored → ${MANY_CLIENTS}th client p50 / p99 ms | /health p50 / p99 ms idle → during (n) | harmless |`,
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...many,
  ].join('\n');
}

/**
 * Fan-out: how late a run's events reach WebSocket clients after they are stored. The real TaskRecorder stores each
 * batch (SQLite, or PostgreSQL) and publishes it (in-process bus, or Redis pub/sub between a "worker" bus and an "API"
 * bus, as in a distributed deployment); the real WebSocketHub on Fastify serves 100 clients in a process of their own
 * (bench/fanout-clients.mjs). For each event: the time from its batch being stored to its arrival at the first
 * client (the baseline: the same event, the same run) and at the 100th client, which the hub serves last.
 */
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { fmt, quantile } from './report.js';

const CLIENTS = Number(process.env.BENCH_FANOUT_CLIENTS ?? 100);
const EVENTS = 1000;
const RUNS = Number(process.env.BENCH_FANOUT_RUNS ?? 5);
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

function ask<T>(child: ChildProcess, message: object, answer: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== answer) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send(message);
  });
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

export interface FanoutResult {
  backend: string;
  first: { p50: number; p99: number };
  last: { p50: number; p99: number };
  samples: number;
  missing: number;
}

async function measure(backend: Backend): Promise<FanoutResult> {
  const app = Fastify();
  await app.register(websocket);
  const hub = new WebSocketHub(backend.hubBus);
  hub.register(app);
  const url = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws');
  const child = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fanout-clients.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const first: number[] = [];
  const last: number[] = [];
  let missing = 0;
  try {
    await ask(child, { type: 'open', url, count: CLIENTS }, 'opened');
    for (let run = 0; run < RUNS; run++) {
      const taskId = `bench-${run}-${Date.now().toString(36)}`;
      const stored = new Map<number, number>();
      await oneRun(backend, taskId, stored);
      let report: { times: Record<string, Array<number | null>> };
      const deadline = Date.now() + 60_000;
      do {
        await new Promise((r) => setTimeout(r, 200));
        report = await ask(child, { type: 'report', task: taskId, events: EVENTS }, 'report');
      } while (report.times[CLIENTS - 1]!.some((t) => t === null) && Date.now() < deadline);
      for (let seq = 1; seq <= EVENTS; seq++) {
        const at = stored.get(seq)!;
        const a = report.times[0]![seq - 1];
        const b = report.times[CLIENTS - 1]![seq - 1];
        if (a == null || b == null) missing++;
        else if (run > 0) {
          // the first run warms up
          first.push(a - at);
          last.push(b - at);
        }
      }
    }
  } finally {
    child.send({ type: 'close' });
    hub.close();
    await app.close();
  }
  return {
    backend: backend.name,
    first: { p50: quantile(first, 0.5), p99: quantile(first, 0.99) },
    last: { p50: quantile(last, 0.5), p99: quantile(last, 0.99) },
    samples: last.length,
    missing,
  };
}

export async function benchFanout(): Promise<string> {
  const results: FanoutResult[] = [];
  for (const make of [embedded, distributed]) {
    const backend = await make();
    try {
      results.push(await measure(backend));
    } finally {
      await backend.close();
    }
    console.log(`fan-out: ${results.at(-1)!.backend} done`);
  }
  const rows = results.map(
    (r) =>
      `| ${r.backend} | ${fmt(r.first.p50)} / ${fmt(r.first.p99)} | ${fmt(r.last.p50)} / ${fmt(r.last.p99)} | ${fmt(r.last.p99 - r.first.p99)} | ${r.last.p99 - r.first.p99 < 10 ? '✅' : '❌'} < 10 | ${r.samples}${r.missing ? ` (${r.missing} never arrived)` : ''} |`,
  );
  return [
    `## Fan-out (\`bench/fanout.ts\`)`,
    '',
    `${CLIENTS} WebSocket clients (a process of their own) subscribed to every task; ${RUNS} runs of ${EVENTS} events each through the real`,
    'TaskRecorder (stored, then published) and WebSocketHub; the first run warms up. Milliseconds from an event\'s batch being stored to',
    `its arrival at the first client (baseline, same event) and at the ${CLIENTS}th, which the hub serves last.`,
    '',
    `| backend | stored → 1st client p50 / p99 ms | stored → ${CLIENTS}th client p50 / p99 ms | added p99 ms | target | samples |`,
    '|---|---:|---:|---:|---|---:|',
    ...rows,
  ].join('\n');
}

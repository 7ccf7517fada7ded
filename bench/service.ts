/**
 * What the pipeline benchmarks share: the real service in this process (createServices + buildApp, real HTTP on
 * 127.0.0.1), on SQLite with the embedded queue or on PostgreSQL + Redis (BullMQ); its logger at the default level
 * written to /dev/null (its cost counts, its lines do not show); runs unsandboxed unless told otherwise. Claude Code is
 * replaced by a no-op runner (a bash script that notes when and where it started, drains its prompt and prints a
 * one-line result) unless the caller gives a CLAUDE_CODE_PATH; and the HTTP load generator in its own process.
 */
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { buildApp, listeningUrl } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { Redactor } from '../src/security/redactor.js';
import { createServices, type Role, type Services } from '../src/services.js';
import type { TaskObserver } from '../src/worker/worker.js';
import { dropSchema, freshRedisPrefix, freshSchemaName, POSTGRES_URL, REDIS_URL } from '../test/support/services.js';

export const BACKENDS = [
  { name: 'SQLite (embedded queue)', distributed: false },
  { name: 'PostgreSQL + Redis (BullMQ)', distributed: true },
] as const;

/** Wall-clock milliseconds with sub-millisecond resolution (the no-op runner notes its start the same way). */
export const wallMs = () => performance.timeOrigin + performance.now();

export interface BenchService {
  services: Services;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startBenchService(opts: { distributed: boolean; env?: Record<string, string>; role?: Role; observers?: TaskObserver[] }): Promise<BenchService> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-bench-'));
  const schema = freshSchemaName();
  const prefix = freshRedisPrefix();
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    PORT: '0',
    SANDBOX: 'off',
    RATE_LIMIT_WEBHOOKS_PER_MINUTE: '0',
    RATE_LIMIT_API_PER_MINUTE: '0',
    ANTHROPIC_API_KEY: 'bench-no-key-is-used',
    ...(opts.distributed ? { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema, REDIS_URL, REDIS_PREFIX: prefix } : {}),
    ...opts.env,
  };
  const config = loadConfig(env);
  const redactor = new Redactor(config.secretValues);
  const at: { url?: string } = {}; // the app's address, once it listens
  const services = await createServices(config, {
    role: opts.role,
    observers: opts.observers,
    log: createLogger(config, fs.createWriteStream('/dev/null'), redactor),
    redactor,
    internalUrl: () => at.url,
  });
  const { app } = await buildApp(services);
  await app.listen({ host: '127.0.0.1', port: 0 });
  at.url = listeningUrl(app)!;
  return {
    services,
    url: at.url,
    dataDir,
    async close() {
      await app.close();
      await services.close(2000);
      if (opts.distributed) {
        await dropSchema(schema);
        await dropRedisKeys(prefix);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Deletes this run's own keys (its fresh prefix) and nothing else. */
async function dropRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface NoopRunner {
  /** The executable, for CLAUDE_CODE_PATH. */
  path: string;
  /** Each start so far: wall-clock ms and the working directory (a task's workspace ends with its id). */
  starts(): Array<{ at: number; cwd: string }>;
}

/** Writes the no-op runner into `dir`. Only bash builtins: no process besides the one the worker spawns. */
export function noopRunner(dir: string): NoopRunner {
  const file = path.join(dir, 'noop-claude');
  const log = path.join(dir, 'noop-starts.log');
  const result = JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'done', total_cost_usd: 0, num_turns: 1, duration_ms: 1, usage: {} });
  fs.writeFileSync(
    file,
    ['#!/bin/bash', `printf '%s %s\\n' "$EPOCHREALTIME" "$PWD" >> '${log}'`, "read -r -d '' _prompt", `printf '%s\\n' '${result}'`, ''].join('\n'),
    { mode: 0o755 },
  );
  return {
    path: file,
    starts: () =>
      fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => {
              const [at, ...cwd] = line.split(' ');
              return { at: Number(at) * 1000, cwd: cwd.join(' ') };
            })
        : [],
  };
}

export interface Load {
  latencies: number[];
  statuses: Record<string, number>;
  /** Response bodies, when asked for. */
  bodies?: string[];
  seconds: number;
}

export interface LoadRequest {
  headers: Record<string, string>;
  body: string;
}

/** The load generator (bench/http-load.mjs), a process of its own. */
export function forkLoad(): ChildProcess {
  return fork(path.join(path.dirname(fileURLToPath(import.meta.url)), 'http-load.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** POSTs the requests over `connections` keep-alive connections, as fast as they are answered. */
export function load(child: ChildProcess, url: string, requests: LoadRequest[], connections: number, keepBodies = false): Promise<Load> {
  return new Promise((resolve) => {
    child.once('message', (m: Load) => resolve(m));
    child.send({ type: 'load', url, connections, requests, keepBodies });
  });
}

/** Waits until every task is final (polling the database, not the API: the poll must not load the service's HTTP). */
export async function waitAllFinal(services: Services, taskIds: string[], timeoutMs = 600_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(taskIds);
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`${pending.size} of ${taskIds.length} tasks not final after ${timeoutMs} ms`);
    const ids = [...pending].slice(0, 500);
    const rows = await services.storage.db.selectFrom('tasks').select(['task_id', 'status']).where('task_id', 'in', ids).execute();
    for (const r of rows) if (['completed', 'failed', 'cancelled'].includes(r.status)) pending.delete(r.task_id);
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 20));
  }
  return wallMs();
}

/** Load average (1 / 5 / 15 min) now, for a section's "at start / at end". */
export const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' / ');

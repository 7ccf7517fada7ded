import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { buildApp, listeningUrl } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { LiveEvent } from '../../src/contracts/events.js';
import type { TaskView } from '../../src/contracts/task.js';
import { createLogger } from '../../src/logger.js';
import { Redactor } from '../../src/security/redactor.js';
import { createServices, type Role, type Services } from '../../src/services.js';
import { openStorage } from '../../src/storage/db.js';
import type { TaskObserver } from '../../src/worker/worker.js';
import { startScriptedModel, type ScriptedModel } from './scripted-model.js';
import { dropSchema, freshRedisPrefix, freshSchemaName, POSTGRES_URL, REDIS_URL } from './services.js';

export interface Harness {
  services: Services;
  url: string;
  dataDir: string;
  claudeConfigDir: string;
  /** The app's routes (method and URL pattern). */
  routes: Array<{ method: string; url: string }>;
  request<T = any>(method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  waitForTask(taskId: string, statuses?: string[], timeoutMs?: number): Promise<TaskView>;
  connect(sessionId: string, query?: string): Promise<LiveClient>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  model: ScriptedModel;
  distributed?: boolean;
  env?: Record<string, string>;
  observers?: TaskObserver[];
  /** Keep data (DATA_DIR, schema) on close, for tests that restart a service on the same data. */
  dataDir?: string;
  schema?: string;
  redisPrefix?: string;
  /** Collects every log line the service writes (at LOG_LEVEL, default silent). */
  logLines?: string[];
  /** Where runs reach the service (its MCP endpoint), when not at the harness's own address: a recording proxy. */
  internalUrl?: () => string | undefined;
  /** `api`: no worker (nothing runs the tasks); default `all`. */
  role?: Role;
  /** SQLite only: told every statement the service runs (test/webhook-statements.test.ts counts them). */
  onStatement?: (sql: string) => void;
}

/** Starts the real service (real storage, queue, worker and Claude Code) on a random port with a fresh DATA_DIR. */
export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const ownsData = !opts.dataDir;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cca-data-'));
  const claudeConfigDir = path.join(dataDir, 'claude-config');
  const schema = opts.schema ?? freshSchemaName();
  const env: Record<string, string> = {
    PORT: '0',
    DATA_DIR: dataDir,
    CLAUDE_CONFIG_DIR: claudeConfigDir,
    ANTHROPIC_BASE_URL: opts.model.url,
    ANTHROPIC_API_KEY: 'test',
    DEFAULT_MODEL: 'claude-sonnet-4-5',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SHUTDOWN_GRACE_SECONDS: '2',
    // Tests drive the API far faster than any client (twenty waitForTask pollers at 10 Hz): no limits unless a test
    // sets them (test/rate-limits.test.ts; the dashboard e2e test runs under the defaults by setting them empty).
    RATE_LIMIT_API_PER_MINUTE: '0',
    RATE_LIMIT_WEBHOOKS_PER_MINUTE: '0',
    ...(opts.distributed
      ? { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema, REDIS_URL, REDIS_PREFIX: opts.redisPrefix ?? freshRedisPrefix() }
      : {}),
    ...opts.env,
  };
  const config = loadConfig(env);
  const destination = opts.logLines ? { write: (line: string) => void opts.logLines!.push(line) } : undefined;
  const redactor = new Redactor(config.secretValues);
  let listening: string | undefined = undefined; // the app's address, once it listens
  const storage = opts.onStatement ? await openStorage({ sqliteFile: path.join(dataDir, 'agent.db'), onStatement: opts.onStatement }) : undefined;
  const services = await createServices(config, {
    role: opts.role,
    storage,
    log: createLogger(config, destination, redactor),
    redactor,
    observers: opts.observers,
    internalUrl: () => opts.internalUrl?.() ?? config.INTERNAL_URL ?? listening,
    // GitHub's retries in milliseconds rather than seconds, so a test of a failing post-back stays short.
    retries: { github: { backoffBaseMs: 20, msPerRetryAfterSecond: 20 } },
  });
  const { app, routes } = await buildApp(services);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = listeningUrl(app)!;
  listening = url;
  const token = config.API_TOKEN;

  const request: Harness['request'] = async (method, urlPath, body, headers = {}) => {
    const res = await fetch(`${url}${urlPath}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as any };
  };

  return {
    services,
    url,
    routes: routes.flatMap((r) => [r.method].flat().map((method) => ({ method, url: r.url }))),
    dataDir,
    claudeConfigDir,
    request,
    async waitForTask(taskId, statuses = ['completed', 'failed', 'cancelled'], timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs;
      let last: TaskView | undefined;
      while (Date.now() < deadline) {
        const res = await request<TaskView>('GET', `/api/tasks/${taskId}`);
        last = res.body;
        if (res.status === 200 && statuses.includes(res.body.status)) return res.body;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`task ${taskId} did not reach ${statuses.join('|')}; last: ${JSON.stringify(last)}`);
    },
    connect: (sessionId, query = '') => connectLive(`${url.replace('http', 'ws')}/ws/${sessionId}${query}`),
    async close() {
      await app.close();
      await services.close(2000);
      if (ownsData) {
        if (opts.distributed) await dropSchema(schema);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** startHarness on a scripted model of its own, which `close()` stops too. */
export type ScriptedHarness = Harness & { model: ScriptedModel };

export async function startScriptedHarness(opts: Omit<HarnessOptions, 'model'> = {}): Promise<ScriptedHarness> {
  const model = await startScriptedModel();
  const h = await startHarness({ ...opts, model }).catch(async (err) => {
    await model.close();
    throw err;
  });
  return {
    ...h,
    model,
    async close() {
      await h.close();
      await model.close();
    },
  };
}

export interface LiveClient {
  events: Array<LiveEvent | { type: string; [k: string]: unknown }>;
  send(message: unknown): void;
  /** Sends text as it is, for messages that are not what JSON.stringify would make. */
  sendRaw(text: string): void;
  waitFor(predicate: (e: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

export function connectLive(wsUrl: string): Promise<LiveClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl);
    const events: LiveClient['events'] = [];
    const waiters: Array<{ predicate: (e: any) => boolean; resolve: (e: any) => void }> = [];
    socket.on('message', (data) => {
      const event = JSON.parse(data.toString());
      events.push(event);
      for (const w of [...waiters]) {
        if (w.predicate(event)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event);
        }
      }
    });
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket refused: ${res.statusCode}`)));
    socket.once('open', () =>
      resolve({
        events,
        send: (message) => socket.send(JSON.stringify(message)),
        sendRaw: (text) => socket.send(text),
        waitFor(predicate, timeoutMs = 45_000) {
          const found = events.find(predicate);
          if (found) return Promise.resolve(found);
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error(`no matching WebSocket event within ${timeoutMs} ms; got ${events.map((e) => e.type).join(',')}`)), timeoutMs);
            waiters.push({ predicate, resolve: (e) => (clearTimeout(timer), res(e)) });
          });
        },
        close: () => socket.close(),
      }),
    );
  });
}

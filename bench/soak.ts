/**
 * `npm run soak`: many tasks through the real service with random faults, then a check of every task, written up in
 * RELIABILITY.md. The service runs as a child process (`main.ts start`) on SQLite and the embedded queue, or on
 * PostgreSQL + Redis with `--distributed`; Claude Code is the real CLI against the scripted model (src/demo).
 *
 *   npm run soak -- --tasks 200 --seed 7 [--distributed] [--concurrency 8] [--window 24] [--restart-every 50]
 *                   [--webhook-share 0.2] [--drain-quiet-seconds 300] [--max-minutes M] [--out RELIABILITY.md]
 *
 * --max-minutes stops sending after M minutes (then drains and checks what was sent), for the biggest soak that fits.
 *
 * Exit code 1 when anything was lost, duplicated or stuck.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startScriptedModel } from '../src/demo/scripted-model.js';
import { projectRoot } from '../src/paths.js';
import { freePort } from '../test/support/free-port.js';
import { dropSchema, freshRedisPrefix, freshSchemaName, POSTGRES_URL, REDIS_URL } from '../test/support/services.js';
import { ModelRequestCounter, verify } from './soak/checks.js';
import { SoakDriver } from './soak/driver.js';
import { FinalEventWatcher } from './soak/final-events.js';
import { planTasks } from './soak/plan.js';
import { renderReport, type SoakSettings } from './soak/report.js';
import { SoakService } from './soak/service.js';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    distributed: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '8' },
    window: { type: 'string' },
    'restart-every': { type: 'string' },
    'webhook-share': { type: 'string', default: '0.2' },
    'drain-quiet-seconds': { type: 'string', default: '300' },
    'max-minutes': { type: 'string' },
    out: { type: 'string', default: path.join(projectRoot, 'RELIABILITY.md') },
  },
});

function positive(name: string, value: string | undefined, min = 1): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min} (got ${JSON.stringify(value)})`);
  return n;
}

const tasksWanted = positive('tasks', args.tasks);
const concurrency = positive('concurrency', args.concurrency);
const settings: SoakSettings = {
  tasks: tasksWanted,
  seed: positive('seed', args.seed, 0),
  distributed: args.distributed ?? false,
  concurrency,
  // The driver counts open tasks from one page of GET /api/tasks (at most 200).
  window: Math.min(200, args.window ? positive('window', args.window) : concurrency * 3),
  restartEvery: args['restart-every'] ? positive('restart-every', args['restart-every'], 0) : Math.max(25, Math.round(tasksWanted / 10)),
  webhookShare: positive('webhook-share', args['webhook-share'], 0),
};
/** The soak's own keys only (never a flush: the Redis is shared). */
async function dropRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) if ((keys as string[]).length) await redis.del(...(keys as string[]));
  } finally {
    redis.disconnect();
  }
}

const started = new Date();
const log = (line: string) => process.stderr.write(`[soak ${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);

const model = await startScriptedModel();
const counter = new ModelRequestCounter(model);
counter.start();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-soak-'));
const schema = freshSchemaName();
const redisPrefix = freshRedisPrefix();
const env: Record<string, string> = {
  DATA_DIR: dataDir,
  CLAUDE_CONFIG_DIR: path.join(dataDir, 'claude-config'),
  ANTHROPIC_BASE_URL: model.url,
  ANTHROPIC_API_KEY: 'soak',
  DEFAULT_MODEL: 'claude-sonnet-4-5',
  MAX_CONCURRENT_TASKS: String(concurrency),
  // Short, so a SIGTERM interrupts runs (and they run again) instead of waiting for them.
  SHUTDOWN_GRACE_SECONDS: '2',
  LOG_LEVEL: 'warn',
  // One client sending as fast as the service takes work: the per-client limits are not what is soaked.
  RATE_LIMIT_API_PER_MINUTE: '0',
  RATE_LIMIT_WEBHOOKS_PER_MINUTE: '0',
  ...(settings.distributed ? { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema, REDIS_URL, REDIS_PREFIX: redisPrefix } : {}),
};
const service = new SoakService(env, await freePort(), dataDir);
log(`starting the service (${settings.distributed ? 'PostgreSQL + Redis' : 'SQLite'}), data in ${dataDir}`);
await service.start();
const watcher = new FinalEventWatcher(service);
const watching = watcher.start();

const api = async (method: string, urlPath: string, body: unknown) => {
  const res = await fetch(`${service.url}${urlPath}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as any;
  if (!res.ok) throw new Error(`${method} ${urlPath} → ${res.status} ${JSON.stringify(json)}`);
  return json;
};
const webhookSecret = 'soak-generic-secret-0123456789';
const hook = await api('POST', '/api/webhooks', { name: 'Soak', provider: 'generic', secret: webhookSecret });
await api('POST', `/api/webhooks/${hook.webhook_id}/commands`, { name: 'soak', trigger: 'soak.task', template: '{{prompt}}' });

const driver = new SoakDriver({ service, webhookPath: `/webhooks/generic/${hook.webhook_id}`, webhookSecret, window: settings.window, restartEvery: settings.restartEvery, log,
  sendUntil: args['max-minutes'] ? started.getTime() + positive('max-minutes', args['max-minutes']) * 60_000 : Infinity,
});
let exitCode = 1;
try {
  await driver.run(planTasks(settings.tasks, settings.seed, settings.webhookShare));
  log('all requests sent; draining');
  await driver.drain(positive('drain-quiet-seconds', args['drain-quiet-seconds']) * 1000);
  counter.stop();
  log('checking every task');
  watcher.stop();
  await watching;
  const verdict = await verify(service.url, driver.sent, counter, watcher.finals);
  await service.stop();
  const report = renderReport({
    command: `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
    settings,
    startedAt: started,
    durationMs: Date.now() - started.getTime(),
    sent: driver.sent,
    unanswered: driver.unanswered,
    faults: driver.faults,
    lifetimes: service.lifetimes,
    verdict,
  });
  fs.writeFileSync(args.out!, report);
  log(`wrote ${args.out}: lost ${verdict.lost.length}, duplicated ${verdict.duplicated.length}, stuck ${verdict.stuck.length}, unexpected ${verdict.unexpected.length}`);
  exitCode = verdict.lost.length + verdict.duplicated.length + verdict.stuck.length === 0 ? 0 : 1;
} catch (err) {
  log(`soak aborted: ${(err as Error).stack}\n${service.output()}`);
} finally {
  watcher.stop();
  await service.stop();
  await model.close();
  if (settings.distributed) await Promise.all([dropSchema(schema), dropRedisKeys(redisPrefix)]).catch(() => undefined);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);

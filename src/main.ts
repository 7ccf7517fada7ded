import type { FastifyInstance } from 'fastify';
import { buildApp, listeningUrl } from './app.js';
import { startWorkerMetrics } from './cluster/worker-metrics.js';
import { type Config, ConfigError, isLoopbackHost, loadConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { Redactor } from './security/redactor.js';
import { createServices, type Role, type Services } from './services.js';
import { credentialReport } from './worker/credentials.js';
import { openStorage } from './storage/db.js';
import { migrateToLatest } from './storage/migrations/index.js';
import path from 'node:path';

const USAGE = `usage: main <start|api|worker|migrate>
  start    API, dashboard and worker in one process (the default setup)
  api      API, webhooks and WebSocket only (needs DATABASE_URL and REDIS_URL)
  worker   run tasks only (needs DATABASE_URL and REDIS_URL)
  migrate  apply database migrations and exit`;

async function main(command: string): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const redactor = new Redactor(config.secretValues);
  const log = createLogger(config, undefined, redactor);

  if (command === 'migrate') {
    const storage = await openStorage({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, sqliteFile: path.join(config.dataDir, 'agent.db'), migrate: false });
    const applied = await migrateToLatest(storage.db, config.DATABASE_URL ? config.DATABASE_SCHEMA : undefined);
    log.info({ applied, storage: storage.describe }, 'migrations applied');
    await storage.close();
    return;
  }
  const role: Role = command === 'api' ? 'api' : command === 'worker' ? 'worker' : 'all';
  if (role !== 'all' && !config.REDIS_URL) {
    console.error(`running the ${role} role alone needs REDIS_URL (the queue and events must be shared)`);
    process.exit(2);
  }
  // Known once the app listens; until then (and in a worker-only process) runs get INTERNAL_URL or no management tools.
  let listening: string | undefined;
  const services = await createServices(config, { role, log, redactor, internalUrl: () => config.INTERNAL_URL ?? listening });
  const app = role === 'worker' ? undefined : (await buildApp(services)).app;
  if (app && !config.API_TOKEN && !isLoopbackHost(config.HOST)) {
    log.warn({ host: config.HOST }, 'ALLOW_UNAUTHENTICATED=true: the API is open to anyone who can reach this address and can run commands through the agent');
  }
  if (role !== 'api') {
    const credential = credentialReport(config);
    if (!credential.usable) log.warn({ credential }, credential.note);
  }
  if (app) {
    await listenOrExplain(app, config, log, services);
    listening = listeningUrl(app);
  }
  const workerMetrics = role === 'worker' ? await startWorkerMetrics(services) : undefined;
  log.info(
    { role, storage: services.storage.describe, queue: services.queue.kind, max_concurrent_tasks: config.MAX_CONCURRENT_TASKS, demo: config.DEMO_MODE },
    `Claude Code Agent ${role} ready${app ? ` on http://${config.HOST}:${config.PORT}` : ''}`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, grace_seconds: config.SHUTDOWN_GRACE_SECONDS }, 'shutting down: no new tasks, waiting for running ones');
    try {
      await app?.close();
      await services.close();
      await workerMetrics?.close(); // scraped while the worker drains
      log.info('stopped cleanly');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

const command = process.argv[2] ?? 'start';
if (!['start', 'api', 'worker', 'migrate'].includes(command)) {
  console.error(USAGE);
  process.exit(2);
}
main(command).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});

/** A port already in use is a setting to change, not a crash: one line that says which, and exit 1. */
async function listenOrExplain(app: FastifyInstance, config: Config, log: Logger, services: Services): Promise<void> {
  try {
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
    const why = code === 'EADDRINUSE' ? 'is already in use (another copy of the service?)' : 'may not be opened by this user';
    log.error(`cannot listen on ${config.HOST}:${config.PORT}: the port ${why}. Stop what holds it or set PORT to another port.`);
    await services.close().catch(() => undefined);
    process.exit(1);
  }
}

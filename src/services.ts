import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { BudgetService } from './budgets/budget-service.js';
import type { Config } from './config.js';
import { type EventBus, LocalEventBus } from './live/event-bus.js';
import { RedisEventBus } from './live/redis-event-bus.js';
import { createLogger, type Logger } from './logger.js';
import { projectRoot } from './paths.js';
import { BullmqQueue } from './queue/bullmq-queue.js';
import { EmbeddedQueue } from './queue/embedded-queue.js';
import type { TaskQueue } from './queue/queue.js';
import { createRegistry, type Registry } from './registry/registry-wiring.js';
import { MIN_SECRET_LENGTH, Redactor } from './security/redactor.js';
import { WebhookSecrets } from './security/webhook-secrets.js';
import { openStorage, type Storage } from './storage/db.js';
import { createRepositories, type Repositories } from './storage/repositories/index.js';
import { TaskService } from './tasks/task-service.js';
import { createProviderClients, type ProviderClients } from './webhooks/clients.js';
import { ApprovalPoller } from './webhooks/approval-poller.js';
import { PostBack } from './webhooks/post-back.js';
import { recover } from './worker/recovery.js';
import { type TaskObserver, Worker } from './worker/worker.js';

export type Role = 'all' | 'api' | 'worker';

export interface Services {
  config: Config;
  log: Logger;
  role: Role;
  storage: Storage;
  repos: Repositories;
  queue: TaskQueue;
  bus: EventBus;
  tasks: TaskService;
  /** Spending limits: admission of a task and today's spending per budget. */
  budgets: BudgetService;
  /** Outbound GitHub/Slack/Jira/Sentry clients, for those the configuration has credentials for. */
  clients: ProviderClients;
  /** Every known secret value (settings, webhook secrets, running tasks' MCP tokens), replaced before text leaves. */
  redactor: Redactor;
  /**
   * Agents and skills: the database's registry, its API rules, and what workers do with it around each run. Always
   * set by createServices; optional for Services assembled by hand (benchmarks, analytics tests), which go without.
   */
  registry?: Registry;
  worker?: Worker;
  startedAt: number;
  /** Stops taking work, lets running tasks finish within the grace period, then closes connections. */
  close(graceMs?: number): Promise<void>;
}

export interface ServiceOptions {
  role?: Role;
  /** Give it a logger made with the same `redactor`, so the logs learn the secrets the service learns later. */
  log?: Logger;
  redactor?: Redactor;
  observers?: TaskObserver[];
}

/** The claude executable: CLAUDE_CODE_PATH, else the one installed with the service. */
export function resolveClaudePath(config: Config): string {
  const claude = config.CLAUDE_CODE_PATH ?? path.join(projectRoot, 'node_modules', '.bin', 'claude');
  if (!fs.existsSync(claude)) {
    throw new Error(`Claude Code not found at ${claude}: run npm install, or set CLAUDE_CODE_PATH to a claude executable`);
  }
  return claude;
}

export async function createServices(config: Config, opts: ServiceOptions = {}): Promise<Services> {
  const role = opts.role ?? 'all';
  const redactor = opts.redactor ?? new Redactor(config.secretValues);
  const log = opts.log ?? createLogger(config, undefined, redactor);
  const weak = Object.entries(config).filter(([, v]) => typeof v === 'string' && v.length < MIN_SECRET_LENGTH && config.secretValues.includes(v));
  for (const [name] of weak) log.warn(`${name} is shorter than ${MIN_SECRET_LENGTH} characters: its value is not redacted from run output and logs`);
  fs.mkdirSync(config.dataDir, { recursive: true });
  const claudePath = role === 'api' ? '' : resolveClaudePath(config);

  const storage = await openStorage({
    databaseUrl: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    sqliteFile: path.join(config.dataDir, 'agent.db'),
  });
  const repos = createRepositories(storage.db);

  let redis: Redis | undefined;
  let queue: TaskQueue;
  let bus: EventBus;
  if (config.REDIS_URL) {
    redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true });
    await redis.connect();
    queue = new BullmqQueue(redis, config.REDIS_PREFIX);
    const redisBus = new RedisEventBus(redis, config.REDIS_PREFIX);
    await redisBus.whenReady();
    bus = redisBus;
  } else {
    if (role !== 'all') throw new Error(`running the ${role} role alone needs REDIS_URL (the queue and events must be shared)`);
    queue = new EmbeddedQueue();
    bus = new LocalEventBus();
  }

  const webhookSecrets = new WebhookSecrets({ webhooks: repos.webhooks, bus, redactor, log });
  await webhookSecrets.start();
  const tasks = new TaskService({ config, repos, queue, bus, log });
  const budgets = new BudgetService(repos);
  const clients = createProviderClients(config);
  const registry = await createRegistry({ config, repos, bus, log, redactor });
  let worker: Worker | undefined;
  let reconcileTimer: NodeJS.Timeout | undefined;
  let approvals: ApprovalPoller | undefined;
  if (role !== 'api') {
    const observers = [new PostBack(config, clients, repos, log), registry.hooks, ...(opts.observers ?? [])];
    worker = new Worker({ config, repos, queue, bus, log, claudePath, observers, budgets, redactor, prepareRun: (task) => registry.hooks.prepareRun(task) });
    const soleWorker = !config.DATABASE_URL;
    const approvalTimeoutMs = config.APPROVAL_TIMEOUT_HOURS * 3600_000;
    await recover({ repos, queue, bus, log, soleWorker, tasks, approvalTimeoutMs });
    worker.start();
    // Runs left behind by a worker that died elsewhere, and queued rows whose queue entry was lost, are picked up
    // without waiting for a restart.
    reconcileTimer = setInterval(() => {
      recover({ repos, queue, bus, log, soleWorker: false, tasks, approvalTimeoutMs }).catch((err) => log.warn({ err }, 'reconciliation failed'));
    }, 30_000);
    reconcileTimer.unref();
    approvals = new ApprovalPoller({ repos, tasks, clients, log }, config.APPROVAL_POLL_SECONDS * 1000);
    approvals.start();
  }

  let closing: Promise<void> | undefined;
  return {
    config,
    log,
    role,
    storage,
    repos,
    queue,
    bus,
    tasks,
    budgets,
    clients,
    redactor,
    registry,
    worker,
    startedAt: Date.now(),
    close(graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000) {
      closing ??= (async () => {
        if (reconcileTimer) clearInterval(reconcileTimer);
        approvals?.stop();
        await worker?.stop(graceMs);
        webhookSecrets.stop();
        await registry.close();
        await queue.close();
        await bus.close();
        redis?.disconnect();
        await storage.close();
      })();
      return closing;
    },
  };
}

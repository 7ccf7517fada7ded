import fs from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { BudgetService } from './budgets/budget-service.js';
import { joinCluster } from './cluster/cluster-node.js';
import { claimLimits } from './cluster/limits.js';
import type { Config } from './config.js';
import { type EventBus, LocalEventBus } from './live/event-bus.js';
import { RedisEventBus } from './live/redis-event-bus.js';
import { createLogger, type Logger } from './logger.js';
import { projectRoot } from './paths.js';
import { BullmqQueue } from './queue/bullmq-queue.js';
import { EmbeddedQueue } from './queue/embedded-queue.js';
import { connectRedis } from './queue/redis-connection.js';
import type { TaskQueue } from './queue/queue.js';
import { createRegistry, type Registry } from './registry/registry-wiring.js';
import { MIN_SECRET_LENGTH, Redactor } from './security/redactor.js';
import { WebhookSecrets } from './security/webhook-secrets.js';
import { openStorage, type Storage } from './storage/db.js';
import { createRepositories, type Repositories } from './storage/repositories/index.js';
import { retryingRepositories } from './storage/retrying-repositories.js';
import { SpaceReserve } from './storage/disk-space.js';
import { TaskService } from './tasks/task-service.js';
import { checkoutSources } from './webhooks/checkout-source.js';
import { deliverRun } from './delivery/deliver-run.js';
import { createProviderClients, type ProviderClients, type ProviderRetryOptions } from './webhooks/clients.js';
import { webhookWorkerSide } from './webhooks/worker-side.js';
import { pruneClaudeState, pruneOldDirs, sweepClaudeState } from './worker/claude-state.js';
import { startRetention } from './storage/retention.js';
import { recover } from './worker/recovery.js';
import { hostOfUrl } from './worker/allowed-hosts.js';
import { detectSandbox, type SandboxStatus } from './worker/sandbox.js';
import { EgressGateway } from './worker/sandbox-egress.js';
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
  /** Agents and skills: the database's registry, its API rules, and what workers do with it around each run. */
  registry: Registry;
  worker?: Worker;
  /** Whether this process's runs are sandboxed (processes without a worker run none). */
  sandbox?: SandboxStatus;
  /** Disk space kept in DATA_DIR for the writes that end running tasks when the disk fills. */
  spaceReserve?: SpaceReserve;
  startedAt: number;
  /** Stops taking work, lets running tasks finish within the grace period, then closes connections. */
  close(graceMs?: number): Promise<void>;
}

/** What the caller (main.ts, the test harness, benchmarks) may set or replace; everything else is built from config. */
export interface ServiceOptions {
  /** `api` builds no worker; `worker` and `all` run tasks. Without REDIS_URL the queue is in-process. */
  role?: Role;
  /** Give it a logger made with the same `redactor`, so the logs learn the secrets the service learns later. */
  log?: Logger;
  redactor?: Redactor;
  /** Follow every run besides the post-back and the registry (tests record what runs do). */
  observers?: TaskObserver[];
  /** Retry timings of the provider clients (tests shorten GitHub's). */
  retries?: ProviderRetryOptions;
  /**
   * Where Claude Code children reach this service's API (the management tools), asked at each run: INTERNAL_URL
   * when not given. A process that serves the API passes the address its app listens on (main.ts).
   */
  internalUrl?: () => string | undefined;
  /** A database already open (benchmarks over a seeded file) instead of the configured one; closed with the rest. */
  storage?: Storage;
}

/** The claude executable: CLAUDE_CODE_PATH, else the one installed with the service. */
export function resolveClaudePath(config: Config): string {
  const claude = config.CLAUDE_CODE_PATH ?? path.join(projectRoot, 'node_modules', '.bin', 'claude');
  if (!fs.existsSync(claude)) {
    throw new Error(`Claude Code not found at ${claude}: run npm install, or set CLAUDE_CODE_PATH to a claude executable`);
  }
  return claude;
}

/** The one place the service is wired: storage, queue, events, tasks, registry and, unless `api`, the worker. */
export async function createServices(config: Config, opts: ServiceOptions = {}): Promise<Services> {
  const role = opts.role ?? 'all';
  const redactor = opts.redactor ?? new Redactor(config.secretValues);
  const log = opts.log ?? createLogger(config, undefined, redactor);
  const weak = Object.entries(config).filter(([, v]) => typeof v === 'string' && v.length < MIN_SECRET_LENGTH && config.secretValues.includes(v));
  for (const [name] of weak) log.warn(`${name} is shorter than ${MIN_SECRET_LENGTH} characters: its value is not redacted from run output and logs`);
  fs.mkdirSync(config.dataDir, { recursive: true });
  const spaceReserve = new SpaceReserve(config.dataDir);
  if (spaceReserve.atStart()) log.warn({ data_dir: config.dataDir }, 'DATA_DIR is full: its space reserve was given up to open the database; free space there');

  const storage =
    opts.storage ??
    (await openStorage({
      databaseUrl: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA,
      sqliteFile: path.join(config.dataDir, 'agent.db'),
      onConnectionError: (err) => log.warn({ reason: err.message }, 'a PostgreSQL connection was lost; the next query opens a new one'),
    }));
  const repos = createRepositories(storage.db);
  // Set once the worker is wired: what a Redis reconnection runs (enqueue the tasks stored while it was away).
  let reconcile = (): void => undefined;
  const { redis, queue, bus } = await connectQueue(config, log, () => reconcile());

  const webhookSecrets = new WebhookSecrets({ webhooks: repos.webhooks, bus, redactor, log });
  await webhookSecrets.start();
  const tasks = new TaskService({ config, repos, queue, bus, log });
  const budgets = new BudgetService(repos);
  const clients = createProviderClients(config, opts.retries);
  const internalUrl = opts.internalUrl ?? (() => config.INTERNAL_URL);
  const registry = await createRegistry({ config, repos, bus, log, redactor, internalUrl });
  const base = { config, log, repos, queue, bus, tasks, budgets, clients, redactor, registry };
  const side = role === 'api' ? undefined : await startWorkerSide(base, { storage, spaceReserve, internalUrl, observers: opts.observers ?? [] });
  if (side) reconcile = side.reconcile;

  let closing: Promise<void> | undefined;
  return {
    ...base,
    role,
    storage,
    worker: side?.worker,
    sandbox: side?.sandbox,
    spaceReserve,
    startedAt: Date.now(),
    close(graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000) {
      closing ??= (async () => {
        await side?.close(graceMs);
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

/** BullMQ and Redis pub/sub with REDIS_URL; an in-process queue and bus without. */
async function connectQueue(config: Config, log: Logger, onReconnect: () => void): Promise<{ redis?: Redis; queue: TaskQueue; bus: EventBus }> {
  if (!config.REDIS_URL) return { queue: new EmbeddedQueue(), bus: new LocalEventBus() };
  const redis = await connectRedis(config.REDIS_URL, log, onReconnect);
  const bus = new RedisEventBus(redis, config.REDIS_PREFIX);
  // Without Redis there is nothing to wait for: the subscription is made when it connects.
  if (redis.status === 'ready') await bus.whenReady();
  return { redis, queue: new BullmqQueue(redis, config.REDIS_PREFIX), bus };
}

type BaseServices = Pick<Services, 'config' | 'log' | 'repos' | 'queue' | 'bus' | 'tasks' | 'budgets' | 'clients' | 'redactor' | 'registry'>;

/**
 * The worker and what runs beside it: the sandbox, start-up recovery, periodic reconciliation and the approval
 * poller. Its observers are registered here: the post-back to the provider, the registry's run hooks, any given.
 */
async function startWorkerSide(
  s: BaseServices,
  opts: { storage: Storage; spaceReserve: SpaceReserve; internalUrl: () => string | undefined; observers: TaskObserver[] },
): Promise<{ worker: Worker; sandbox: SandboxStatus; reconcile: () => void; close(graceMs: number): Promise<void> }> {
  const { config, log, repos, queue, bus, tasks, registry } = s;
  const claudePath = resolveClaudePath(config);
  const sandbox = detectSandbox(config.SANDBOX, { ownNetwork: config.SANDBOX_ALLOWED_HOSTS !== undefined });
  if (sandbox.mode === 'off') warnUnsandboxed(log, sandbox, config);
  let egress: EgressGateway | undefined;
  if (sandbox.mode === 'bwrap' && config.SANDBOX_ALLOWED_HOSTS) {
    const allowed = config.SANDBOX_ALLOWED_HOSTS;
    const anthropic = hostOfUrl(config.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com');
    // The service's own address may be known only once it listens (INTERNAL_URL unset): asked on every connection.
    egress = await EgressGateway.start(() => {
      const self = opts.internalUrl();
      return { allowed: [...allowed, anthropic], service: self ? hostOfUrl(self) : undefined };
    }, log);
    sandbox.egressSocket = egress.socketPath;
  }
  // A running task's writes are retried over a lost database connection rather than leave it half-recorded.
  const workerRepos = retryingRepositories(repos, log, { freeSpace: () => opts.spaceReserve.release() });
  const worker = new Worker({
    ...s,
    repos: workerRepos,
    claudePath,
    sandbox,
    limits: claimLimits(config),
    prepareRun: (task) => registry.hooks.prepareRun(task),
    checkoutSource: checkoutSources(config, s.clients),
    afterRun: deliverRun({ config, repos, clients: s.clients, log }),
  });
  const webhooks = webhookWorkerSide(s);
  for (const observer of [...webhooks.observers, registry.hooks, ...opts.observers]) worker.observe(observer);

  const soleWorker = !config.DATABASE_URL;
  const approvalTimeoutMs = config.APPROVAL_TIMEOUT_HOURS * 3600_000;
  await recover({ repos, queue, bus, log, soleWorker, tasks, approvalTimeoutMs });
  // Claude state that runs ended by a crash left behind (their transcripts are in the database).
  const isRunning = async (id: string) => (await repos.tasks.get(id))?.status === 'running';
  await sweepClaudeState(config, isRunning);
  worker.start();
  // Registered and beating in the database; a worker found dead has its runs recovered here and offered at once.
  const recoverDead = (ids: string[]) => recover({ repos, queue, bus, log, soleWorker: false, tasks, approvalTimeoutMs, deadWorkers: new Set(ids) }).then(() => undefined);
  const cluster = await joinCluster({ config, storage: opts.storage, log, worker, recoverDead });
  // Runs left behind by a worker that died elsewhere, and queued rows whose queue entry was lost (Redis restarted, or
  // away when they were stored), are picked up without waiting for a restart: every RECONCILE_SECONDS and whenever
  // Redis comes back.
  let reconciling: Promise<unknown> | undefined;
  const reconcile = () => {
    reconciling ??= recover({ repos, queue, bus, log, soleWorker: false, tasks, approvalTimeoutMs })
      .catch((err) => log.warn({ err }, 'reconciliation failed'))
      .finally(() => (reconciling = undefined));
  };
  const reconcileTimer = setInterval(reconcile, config.RECONCILE_SECONDS * 1000);
  reconcileTimer.unref();
  webhooks.start();
  const stopRetention = startRetention({
    repos,
    log,
    days: config.RETENTION_DAYS,
    pruneFiles: async (cutoff) => (await pruneClaudeState(config, cutoff, isRunning)) + (await pruneOldDirs(config.workspacesDir, cutoff, isRunning)),
  });
  return {
    worker,
    sandbox,
    reconcile,
    async close(graceMs) {
      clearInterval(reconcileTimer);
      stopRetention();
      webhooks.stop();
      await cluster.drain().catch((err) => log.warn({ err }, 'could not record that this worker drains'));
      await worker.stop(graceMs);
      await cluster.leave();
      await egress?.close();
    },
  };
}

function warnUnsandboxed(log: Logger, sandbox: SandboxStatus, config: Config): void {
  if (config.SANDBOX_ALLOWED_HOSTS) log.warn('SANDBOX_ALLOWED_HOSTS has no effect: runs are not sandboxed, so their network is not restricted');
  if (sandbox.requested === 'off') {
    log.warn({ sandbox }, 'SANDBOX=off: Claude Code runs are not sandboxed; each run can read what the service user can (its environment, DATA_DIR, other runs)');
    return;
  }
  log.warn(
    { sandbox },
    `RUNS ARE NOT SANDBOXED: ${sandbox.reason}. Every Claude Code run can read the service's environment and secrets, its database, ` +
      'other runs\' workspaces and transcripts. Install bubblewrap (apt-get install bubblewrap), or set SANDBOX=off to say this is intended.',
  );
}

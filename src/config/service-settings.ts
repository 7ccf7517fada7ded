import path from 'node:path';
import { z } from 'zod';
import { type AllowedHost, parseAllowedHost } from '../worker/allowed-hosts.js';
import { bool, int, list, optionalString, trustProxy, url } from './fields.js';

/** The service's own settings: listening, storage, runs, sandbox, security, cluster. */
export const serviceSettings = {
  PORT: int(8080, 0, 65535),
  HOST: z.preprocess((v) => (v === '' || v === undefined ? '127.0.0.1' : v), z.string()),
  DATA_DIR: z.preprocess((v) => (v === '' || v === undefined ? './data' : v), z.string()),
  DATABASE_URL: url(['postgres', 'postgresql']),
  REDIS_URL: url(['redis', 'rediss']),
  /** Key prefix for everything the service keeps in Redis (queue names, pub/sub channels). */
  REDIS_PREFIX: z.preprocess((v) => (v === '' || v === undefined ? 'cca' : v), z.string().regex(/^[A-Za-z0-9:_-]+$/)),
  /** PostgreSQL schema holding the tables (created when missing). */
  DATABASE_SCHEMA: z.preprocess((v) => (v === '' || v === undefined ? 'public' : v), z.string().regex(/^[a-z_][a-z0-9_]*$/)),
  MAX_CONCURRENT_TASKS: int(5, 1, 256),
  TASK_TIMEOUT_SECONDS: int(1800, 1, 7 * 24 * 3600),
  /** How long SIGTERM/SIGINT waits for running tasks before stopping them. */
  SHUTDOWN_GRACE_SECONDS: int(30, 0, 3600),
  DEFAULT_MODEL: z.preprocess((v) => (v === '' || v === undefined ? 'sonnet' : v), z.string().min(1)),
  DEFAULT_MAX_TURNS: int(50, 1, 10_000),
  /** Permission mode of a run that does not set its own (webhook commands do: `review` is read-only). */
  DEFAULT_PERMISSION_MODE: z.preprocess(
    (v) => (v === '' || v === undefined ? 'acceptEdits' : v),
    z.enum(['default', 'acceptEdits', 'plan', 'dontAsk', 'bypassPermissions']),
  ),
  CLAUDE_CODE_PATH: optionalString,
  /** Where a run's Claude Code keeps its state (sessions). Unset: the user's ~/.claude, so a logged-in CLI keeps working. */
  CLAUDE_CONFIG_DIR: optionalString,
  /**
   * Where Claude Code children run: `bwrap` (bubblewrap; start-up fails when it cannot run), `off` (unsandboxed), or
   * `auto`: bwrap when it works here, else unsandboxed with a loud warning and a /health note.
   */
  SANDBOX: z.preprocess((v) => (v === '' || v === undefined ? 'auto' : v), z.enum(['auto', 'bwrap', 'off'])),
  /**
   * Unset: a sandboxed run shares the service's network. Set: it may reach only these hosts (`host`, `host:port`,
   * `*.domain`; comma-separated), the Anthropic API and the service itself, through the service's egress proxy;
   * `none` allows only the latter two.
   */
  SANDBOX_ALLOWED_HOSTS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .transform((v, ctx) => {
        if (v.trim().toLowerCase() === 'none') return [];
        const hosts: AllowedHost[] = [];
        for (const entry of v.split(',').map((x) => x.trim()).filter(Boolean)) {
          try {
            hosts.push(parseAllowedHost(entry));
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message });
          }
        }
        return hosts;
      })
      .optional(),
  ),
  /** Extra paths a sandboxed run may read (tools installed outside /usr, e.g. /opt/tool); absolute, comma-separated. */
  SANDBOX_READ_ONLY_PATHS: list.pipe(z.array(z.string().refine((p) => path.isAbsolute(p), { message: 'paths must be absolute' }))),
  /**
   * Directories a dashboard conversation may use as its workspace (absolute, comma-separated): a conversation may start
   * in one of them or in a folder inside one. Unset: every conversation gets a fresh folder under DATA_DIR/workspaces.
   */
  WORKSPACE_ROOTS: list.pipe(z.array(z.string().refine((p) => path.isAbsolute(p), { message: 'paths must be absolute' }))),
  /** The shipped agents and skills (`<AGENT_HOME>/.claude/{agents,skills}`) seeded into the registry at start-up. */
  AGENT_HOME: optionalString,
  /** Mirror every task as `<CLAUDE_TASKS_DIR>/<task_id>.json` for Claude Code's task views. */
  CLAUDE_TASKS_SYNC: bool(false),
  /** Where the task mirror goes; default ~/.claude/tasks. */
  CLAUDE_TASKS_DIR: optionalString,
  /** Webhook tasks get the registry's brain instructions around their prompt (a command can turn it off). */
  WEBHOOK_BRAIN_WRAP: bool(true),
  /**
   * Base URL at which Claude Code children reach this service (the management tools of dashboard runs, /mcp/…).
   * Default: the address this process listens on; a worker-only process needs it to give dashboard runs the tools.
   */
  INTERNAL_URL: url(['http', 'https']),
  API_TOKEN: optionalString,
  /** Listening on a non-loopback HOST without API_TOKEN is refused unless this says the network is trusted. */
  ALLOW_UNAUTHENTICATED: bool(false),
  /** /metrics without the token (for a scraper that cannot send one). */
  METRICS_PUBLIC: bool(false),
  /** Which proxies may name the client and scheme (X-Forwarded-*): none unless set. */
  TRUST_PROXY: trustProxy,
  /** More names the dashboard and API answer to (the Host check against DNS rebinding); `*` turns the check off. */
  ALLOWED_HOSTS: z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), list),
  /** Requests a minute per client on /api, /ws and /metrics; per provider and sender on /webhooks. 0: no limit. */
  RATE_LIMIT_API_PER_MINUTE: int(1200, 0, 10_000_000),
  RATE_LIMIT_WEBHOOKS_PER_MINUTE: int(600, 0, 10_000_000),
  LOG_LEVEL: z.preprocess(
    (v) => (v === '' || v === undefined ? 'info' : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  ),
  PUBLIC_URL: url(['http', 'https']),

  /** What a comment must say to address the agent (a Slack mention of the bot counts too). */
  WEBHOOK_TRIGGER_PHRASE: z.preprocess((v) => (v === '' || v === undefined ? '@agent' : v), z.string().min(2).max(50)),
  /** Unsigned webhook posts kept (small) for the inspector: the newest this many, none older than a day. All are counted. */
  WEBHOOK_UNVERIFIED_KEEP: int(1000, 0, 100_000),
  /** Deliveries asking the same thing of one thread within this many seconds of each other join its queued or running task (0: never). */
  STORM_WINDOW_SECONDS: int(60, 0, 86_400),
  /**
   * Whether a webhook run's result also goes, as a short note naming the asking thread, to every other thread linked
   * in its flow (src/flows/); a rule's `options.reply_to_linked` overrides it.
   */
  FLOW_REPLY_TO_LINKED_THREADS: bool(false),
  /** How often each worker looks for scheduled rules whose slot has come (seconds); 0 turns the scheduler off. */
  SCHEDULER_TICK_SECONDS: int(15, 0, 3_600),
  /** How often a progress comment is edited while a run goes (seconds). */
  PROGRESS_UPDATE_SECONDS: z.preprocess((v) => (v === '' || v === undefined ? 3 : v), z.coerce.number().min(0).max(600)),
  /** /health says degraded when DATA_DIR has less free space than this (MB). */
  DATA_DIR_MIN_FREE_MB: int(100, 0, 10_000_000),
  /**
   * How often workers reconcile the database with the queue: queued rows missing from it are enqueued (Redis lost
   * them, or was away when they were stored), runs of dead workers resolved. Also done whenever Redis reconnects.
   */
  RECONCILE_SECONDS: int(30, 1, 3600),
  /**
   * Task events, Claude session transcripts and leftover Claude state on disk older than this many days are pruned
   * (hourly); tasks, their output, conversations, totals and rollups are kept for ever. 0 keeps everything.
   */
  RETENTION_DAYS: int(30, 0, 36_500),
  // The cluster (docs/deployment.md). Limits of 0 mean none.
  /** How often a worker writes its heartbeat (and load) to the database. */
  WORKER_HEARTBEAT_SECONDS: int(2, 1, 600),
  /** A worker whose last heartbeat is older than this is marked gone and its running tasks are recovered. */
  WORKER_DEAD_SECONDS: int(10, 2, 3600),
  /** Running tasks across every worker, enforced at claim in the database. */
  GLOBAL_MAX_CONCURRENT_TASKS: int(0, 0, 100_000),
  /** Running tasks per requester / per source (fair shares), enforced at claim. */
  FAIR_SHARE_MAX_PER_REQUESTER: int(0, 0, 100_000),
  FAIR_SHARE_MAX_PER_SOURCE: int(0, 0, 100_000),
  /** A worker process (`main.ts worker`) serves /metrics on this port (on HOST); unset: no metrics server. */
  WORKER_METRICS_PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).optional()),
  /** How often GitHub approval comments are checked for a 👍 (GitHub sends no webhook for reactions); 0 turns it off. */
  APPROVAL_POLL_SECONDS: z.preprocess((v) => (v === '' || v === undefined ? 30 : v), z.coerce.number().min(0).max(3600)),
  /**
   * A delivery whose sender's permission is not cached is answered at once, its tasks waiting while the provider is
   * asked in the background; if the provider cannot be asked for this many seconds, those tasks fail.
   */
  PERMISSION_WAIT_SECONDS: int(600, 1, 86_400),
  /** A task waiting for approval longer than this is cancelled. */
  APPROVAL_TIMEOUT_HOURS: z.preprocess((v) => (v === '' || v === undefined ? 24 : v), z.coerce.number().positive().max(24 * 90)),
};

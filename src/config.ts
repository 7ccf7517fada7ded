import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from './paths.js';
import { type AllowedHost, parseAllowedHost } from './worker/allowed-hosts.js';

// Environment strings → typed settings. Empty strings count as unset, so `FOO=` in a .env file means "default".
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const int = (fallback: number, min: number, max: number) =>
  z.preprocess((v) => (v === '' || v === undefined ? fallback : v), z.coerce.number().int().min(min).max(max));
const bool = (fallback: boolean) =>
  z.preprocess((v) => {
    if (v === '' || v === undefined) return fallback;
    if (typeof v === 'string' && /^(1|true|yes|on)$/i.test(v)) return true;
    if (typeof v === 'string' && /^(0|false|no|off)$/i.test(v)) return false;
    return v;
  }, z.boolean());
const list = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : (v ?? [])),
  z.array(z.string()),
);
const url = (protocols: string[]) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .url()
      .refine((u) => protocols.some((p) => u.startsWith(`${p}:`)), { message: `must start with ${protocols.join(': or ')}:` })
      .optional(),
  );

/** Loopback: reachable from this machine only, so running without API_TOKEN there exposes nothing. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  return h === '::1' || /^::ffff:127\./.test(h);
}

// What Fastify's trustProxy (proxy-addr) accepts: true/false, a hop count, or addresses, CIDRs and its named ranges.
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGES.has(entry) || net.isIP(entry)) return true;
  const m = /^(.+)\/(\d{1,3})$/.exec(entry);
  if (!m) return false;
  const family = net.isIP(m[1]!);
  return family !== 0 && Number(m[2]) <= (family === 4 ? 32 : 128);
}
const trustProxy = z.preprocess(
  (v) => {
    if (v === '' || v === undefined) return false;
    if (typeof v !== 'string') return v;
    if (/^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
    if (/^\d+$/.test(v.trim())) return Number(v.trim());
    return v.split(',').map((x) => x.trim()).filter(Boolean);
  },
  z.union([
    z.boolean(),
    z.number().int().min(0).max(100),
    z
      .array(z.string())
      .min(1)
      .refine((entries) => entries.every(isProxyAddress), {
        message: 'must be true, false, a hop count, or a comma list of proxy addresses/CIDRs (or loopback, linklocal, uniquelocal)',
      }),
  ]),
);

const ConfigSchema = z.object({
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
  /** How often a progress comment is edited while a run goes (seconds). */
  PROGRESS_UPDATE_SECONDS: z.preprocess((v) => (v === '' || v === undefined ? 3 : v), z.coerce.number().min(0).max(600)),
  /** A task waiting for approval longer than this is cancelled. */
  /** How often GitHub approval comments are checked for a 👍 (GitHub sends no webhook for reactions); 0 turns it off. */
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
  APPROVAL_POLL_SECONDS: z.preprocess((v) => (v === '' || v === undefined ? 30 : v), z.coerce.number().min(0).max(3600)),
  APPROVAL_TIMEOUT_HOURS: z.preprocess((v) => (v === '' || v === undefined ? 24 : v), z.coerce.number().positive().max(24 * 90)),

  GITHUB_WEBHOOK_SECRET: optionalString,
  /** The service's own GitHub login: its comments never trigger it. */
  GITHUB_BOT_LOGIN: optionalString,
  /** Logins that may trigger commands without write permission on the repository. */
  GITHUB_ALLOWED_USERS: list,
  GITHUB_TOKEN: optionalString,
  GITHUB_APP_ID: optionalString,
  GITHUB_APP_PRIVATE_KEY: optionalString,
  GITHUB_API_URL: url(['http', 'https']),
  /** Clone tasks' repositories into their workspaces before the run (GitHub tasks only). */
  GITHUB_CHECKOUT: bool(true),
  /** Base URL to clone from (`<base>/<owner>/<repo>.git`); default: derived from GITHUB_API_URL, else github.com. */
  GITHUB_CLONE_URL: optionalString,
  /**
   * A run that changed files in its checkout ends with the service committing them, pushing `agent/<flow>-<n>` and
   * opening a draft pull request (a follow-up in that pull request pushes to the same branch).
   */
  GITHUB_PULL_REQUESTS: bool(true),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_BOT_TOKEN: optionalString,
  SLACK_API_URL: url(['http', 'https']),
  SLACK_NOTIFY_CHANNEL: optionalString,
  /** Hosts a slash command's response_url may name besides hooks.slack.com and SLACK_API_URL's host. */
  SLACK_RESPONSE_URL_HOSTS: list,
  /** The bot's user id: `<@ID>` in a message addresses the agent, and its own messages never trigger it. */
  SLACK_BOT_USER_ID: optionalString,
  /** Empty: everyone in the workspace may trigger commands. */
  SLACK_ALLOWED_USERS: list,
  SLACK_ALLOWED_CHANNELS: list,
  /** Users whose edit commands need no approval (Slack has no repository permissions to ask). */
  SLACK_MAINTAINERS: list,
  JIRA_WEBHOOK_SECRET: optionalString,
  JIRA_BASE_URL: url(['http', 'https']),
  JIRA_EMAIL: optionalString,
  JIRA_API_TOKEN: optionalString,
  /** The agent's Jira account: issues assigned to it trigger it, and its own comments never do. */
  JIRA_BOT_ACCOUNT_ID: optionalString,
  /** Project keys that may trigger the agent; empty: all. */
  JIRA_ALLOWED_PROJECTS: list,
  JIRA_MAINTAINERS: list,
  SENTRY_CLIENT_SECRET: optionalString,
  SENTRY_AUTH_TOKEN: optionalString,
  SENTRY_URL: url(['http', 'https']),
  SENTRY_ORG: optionalString,
  /** Project slugs that may trigger the agent; empty: all. */
  SENTRY_ALLOWED_PROJECTS: list,
  /** GitLab: the token every webhook sends in X-Gitlab-Token; unset, POST /webhooks/gitlab is refused (fail closed). */
  GITLAB_WEBHOOK_SECRET: optionalString,
  /** Access token (api scope) for notes, award emoji, member lookups and cloning; held by the service, never a run. */
  GITLAB_TOKEN: optionalString,
  /** The GitLab instance (without /api/v4). */
  GITLAB_URL: url(['http', 'https']).transform((v) => (v ?? 'https://gitlab.com').replace(/\/+$/, '')),
  /** The token's own username: its notes never trigger it. */
  GITLAB_BOT_USERNAME: optionalString,
  /** Base URL to clone from (`<base>/<group>/<project>.git`); default GITLAB_URL. */
  GITLAB_CLONE_URL: optionalString,

  // Anthropic credentials: handed to Claude Code children, never used or logged by the service itself.
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_AUTH_TOKEN: optionalString,
  CLAUDE_CODE_OAUTH_TOKEN: optionalString,
  ANTHROPIC_BASE_URL: url(['http', 'https']),

  /** Demo mode: the service runs against its own scripted model; every screen says so. */
  DEMO_MODE: bool(false),
});

export type RawConfig = z.infer<typeof ConfigSchema>;

export interface Config extends RawConfig {
  dataDir: string;
  workspacesDir: string;
  /** The registry as this worker materialised it (DATA_DIR/agent-home): what every run's workspace links to. */
  agentHome: string;
  /** The shipped defaults the registry is seeded from (AGENT_HOME, else the repository's agent-home/). */
  agentSource: string;
  claudeTasksDir: string;
  /** Settings that are secrets: their values are redacted wherever the service prints things. */
  secretValues: string[];
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const SECRET_KEYS = [
  'API_TOKEN',
  'GITHUB_WEBHOOK_SECRET',
  'GITHUB_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
  'SLACK_SIGNING_SECRET',
  'SLACK_BOT_TOKEN',
  'JIRA_WEBHOOK_SECRET',
  'JIRA_API_TOKEN',
  'SENTRY_CLIENT_SECRET',
  'SENTRY_AUTH_TOKEN',
  'GITLAB_WEBHOOK_SECRET',
  'GITLAB_TOKEN',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CODE_OAUTH_TOKEN',
] as const;

/**
 * Every secret setting may come from a file instead (`GITHUB_TOKEN_FILE=/run/secrets/gh`, the Docker/Kubernetes
 * secrets convention), so it need not sit in the service's environment. The file's trailing newline is dropped.
 */
function readSecretFiles(env: NodeJS.ProcessEnv, problems: string[]): NodeJS.ProcessEnv {
  const resolved = { ...env };
  for (const key of SECRET_KEYS) {
    const fileVar = `${key}_FILE`;
    const file = env[fileVar];
    if (!file) continue;
    if (env[key]) {
      problems.push(`${key} and ${fileVar}: both are set; set only one`);
      continue;
    }
    try {
      resolved[key] = fs.readFileSync(file, 'utf8').replace(/(\r?\n)+$/, '');
    } catch (err) {
      problems.push(`${fileVar}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  return resolved;
}

/** Parses the environment once. A wrong value throws a ConfigError naming each variable at fault. */
export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): Config {
  const fileProblems: string[] = [];
  const env = readSecretFiles(rawEnv, fileProblems);
  if (fileProblems.length) throw new ConfigError(fileProblems);
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const raw = parsed.data;
  const problems: string[] = [];
  if (raw.GITHUB_APP_ID && !raw.GITHUB_APP_PRIVATE_KEY) problems.push('GITHUB_APP_PRIVATE_KEY: required when GITHUB_APP_ID is set');
  if (raw.JIRA_BASE_URL && !(raw.JIRA_EMAIL && raw.JIRA_API_TOKEN)) {
    problems.push('JIRA_EMAIL / JIRA_API_TOKEN: required when JIRA_BASE_URL is set');
  }
  if (!isLoopbackHost(raw.HOST) && !raw.API_TOKEN && !raw.ALLOW_UNAUTHENTICATED) {
    problems.push(
      `HOST: ${raw.HOST} is not a loopback address and API_TOKEN is not set, so anyone who can reach the port could run ` +
        'commands through the agent; set API_TOKEN (or, on a network you trust completely, ALLOW_UNAUTHENTICATED=true)',
    );
  }
  if (problems.length) throw new ConfigError(problems);

  const dataDir = path.resolve(raw.DATA_DIR);
  return {
    ...raw,
    dataDir,
    workspacesDir: path.join(dataDir, 'workspaces'),
    agentHome: path.join(dataDir, 'agent-home'),
    agentSource: path.resolve(raw.AGENT_HOME ?? path.join(projectRoot, 'agent-home')),
    claudeTasksDir: path.resolve(raw.CLAUDE_TASKS_DIR ?? path.join(process.env.HOME ?? os.homedir(), '.claude', 'tasks')),
    secretValues: SECRET_KEYS.map((k) => raw[k]).filter((v): v is string => typeof v === 'string' && v.length >= 4),
  };
}

// The known data the analytics and ledger tests (test/analytics.test.ts, test/ledger.test.ts) run over, and their
// shared set-up: a service over SQLite or the real PostgreSQL, seeded with these tasks. Tasks are finished through
// TaskRepository.transition, as the worker does, so the rollups are the ones the service keeps.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { binOf, DURATION_BIN_COLUMNS, quantileFromBins } from '../../src/domain/duration-histogram.js';
import { END_OF_RUN } from '../../src/domain/task-status.js';
import { createServices, type Services } from '../../src/services.js';
import type { Storage } from '../../src/storage/db.js';
import type { Repositories } from '../../src/storage/repositories/index.js';
import type { RollupFigures } from '../../src/storage/schema/analytics-tables.js';
import { type StorageDialect, testDatabase } from './test-database.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const BASE = Date.UTC(2025, 2, 1); // 2025-03-01T00:00Z
export const AGENTS = [null, 'planner', 'reviewer'];
const MODELS = ['sonnet', 'opus'];
const SOURCES = ['dashboard', 'github', 'slack', 'jira'];
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin'];
const KINDS = ['success', 'success', 'empty', 'error', 'budget', 'cancelled', 'timeout'] as const;
export const QUOTED_RULE = 'say "hi", then\nleave';

/** The usage figures a finished task adds to its rollups. */
type Usage = Pick<RollupFigures, 'cost_usd' | 'input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_creation_tokens' | 'num_turns'>;

export interface Seed extends Usage {
  task_id: string;
  created_at: number;
  status: 'completed' | 'failed' | 'cancelled' | 'running' | 'queued' | 'waiting_approval';
  outcome: string | null;
  /** Cancelled while queued: never ran, no duration. */
  fromQueue?: boolean;
  agent: string | null;
  model: string | null;
  source: string;
  requester: string | null;
  rule: string | null;
  conversation_id: string | null;
  duration_ms: number | null;
}

const FINAL = ['completed', 'failed', 'cancelled'];
export const isFinished = (s: Seed) => FINAL.includes(s.status);

function historical(convA: string, convB: string): Seed[] {
  return Array.from({ length: 240 }, (_, i) => {
    const kind = KINDS[i % 7]!;
    const source = SOURCES[i % 4]!;
    const status = kind === 'success' || kind === 'empty' ? 'completed' : kind === 'cancelled' ? 'cancelled' : 'failed';
    const fromQueue = kind === 'cancelled' && i % 2 === 0;
    return {
      task_id: `task_${String(i).padStart(4, '0')}`,
      created_at: BASE + i * 17 * 60_000 + (i % 3) * 1000,
      status,
      outcome: kind,
      fromQueue,
      agent: AGENTS[i % 3]!,
      model: MODELS[i % 2]!,
      source,
      requester: `${source}:${PEOPLE[i % 5]}`,
      rule: i === 77 ? QUOTED_RULE : i % 4 === 1 ? 'builtin:github:review' : null,
      conversation_id: i % 10 === 0 ? convA : i % 10 === 1 ? convB : null,
      // Multiples of 1/8 add up exactly in binary floating point, so sums compare exactly on both dialects.
      cost_usd: fromQueue ? 0 : ((i * 37) % 11) * 0.125,
      input_tokens: fromQueue ? 0 : 1000 + i * 10,
      output_tokens: fromQueue ? 0 : 100 + i,
      cache_read_tokens: fromQueue ? 0 : i * 3,
      cache_creation_tokens: fromQueue ? 0 : i % 5,
      num_turns: fromQueue ? 0 : 1 + (i % 4),
      duration_ms: fromQueue ? null : ((i * 7919) % 300) * 1000 + 500,
    };
  });
}

function today(dayStart: number): Seed[] {
  const base = { agent: 'planner', model: 'sonnet', source: 'github', requester: 'github:zoe', rule: null, conversation_id: null, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0, num_turns: 1 };
  const finished: Seed[] = Array.from({ length: 5 }, (_, k) => ({
    ...base,
    task_id: `task_t${k}`,
    created_at: dayStart + k * 1000,
    status: k < 3 ? 'completed' : 'failed',
    outcome: k < 3 ? 'success' : 'error',
    cost_usd: 0.5,
    duration_ms: 2000,
  }));
  const live = (['running', 'running', 'queued', 'queued', 'queued', 'waiting_approval'] as const).map((status, k) => ({
    ...base,
    task_id: `task_u${k}`,
    created_at: dayStart + 10_000 + k,
    status,
    outcome: null,
    cost_usd: 0,
    duration_ms: null,
  }));
  return [...finished, ...live];
}

async function seed(repos: Repositories, s: Seed): Promise<void> {
  await repos.tasks.create(
    {
      task_id: s.task_id,
      session_id: 'sess-analytics',
      source: s.source,
      input_message: `do ${s.task_id}`,
      status: s.status === 'waiting_approval' ? 'waiting_approval' : 'queued',
      conversation_id: s.conversation_id,
      requester: s.requester,
      rule: s.rule,
      assigned_agent: s.agent,
      model: s.model,
    },
    s.created_at,
  );
  if (s.status === 'queued' || s.status === 'waiting_approval') return;
  if (s.fromQueue) {
    await repos.tasks.transition(s.task_id, 'cancelPending', { outcome: 'cancelled', error: 'cancelled', completed_at: s.created_at + 500 }, s.created_at + 500);
    return;
  }
  await repos.tasks.transition(s.task_id, 'claim', { started_at: s.created_at + 100 }, s.created_at + 100);
  if (s.status === 'running') return;
  const { cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, num_turns, duration_ms, outcome } = s;
  const end = s.created_at + 100 + (duration_ms ?? 0);
  await repos.tasks.transition(
    s.task_id,
    END_OF_RUN[s.status],
    { outcome, cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, num_turns, duration_ms, completed_at: end, error: s.status === 'completed' ? null : outcome },
    end,
  );
}

/** What the API should say about a set of seeded tasks. */
export function expected(tasks: Seed[]) {
  const done = tasks.filter(isFinished);
  const durations = done.map((t) => t.duration_ms).filter((d): d is number => d !== null);
  const bins = DURATION_BIN_COLUMNS.map(() => 0);
  for (const d of durations) bins[binOf(d)]! += 1;
  const sum = (f: (t: Seed) => number) => done.reduce((a, t) => a + f(t), 0);
  const max = durations.length ? Math.max(...durations) : null;
  return {
    cost_usd: sum((t) => t.cost_usd),
    tasks: done.length,
    successes: done.filter((t) => t.outcome === 'success').length,
    errors: done.filter((t) => t.status === 'failed').length,
    input_tokens: sum((t) => t.input_tokens),
    output_tokens: sum((t) => t.output_tokens),
    cache_read_tokens: sum((t) => t.cache_read_tokens),
    cache_creation_tokens: sum((t) => t.cache_creation_tokens),
    mean_duration_ms: durations.length ? Math.round(durations.reduce((a, b) => a + b, 0) / durations.length) : null,
    p95_duration_ms: quantileFromBins(bins, 0.95, max),
    durations,
  };
}

export interface AnalyticsSuite {
  storage: Storage;
  repos: Repositories;
  app: FastifyInstance;
  services: Services;
  seeds: Seed[];
  dayStart: number;
  conversations: string[];
  get(url: string): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
}

/** Registers the suite's set-up and tear-down; the fields are filled in once beforeAll has run. */
export function analyticsSuite(dialect: StorageDialect): AnalyticsSuite {
  const ctx = { conversations: [] as string[] } as unknown as AnalyticsSuite;
  const db = testDatabase(dialect, 'cca-analytics-');
  ctx.get = async (url: string) => {
    const res = await ctx.app.inject({ method: 'GET', url });
    return { status: res.statusCode, body: String(res.headers['content-type']).includes('json') ? res.json() : res.body, headers: res.headers };
  };

  beforeAll(async () => {
    ctx.storage = await db.open();
    ctx.services = await createServices(loadConfig({ DATA_DIR: db.dir, LOG_LEVEL: 'silent' }), { role: 'api', storage: ctx.storage });
    ctx.repos = ctx.services.repos;
    ctx.app = (await buildApp(ctx.services)).app;

    for (const title of ['Expensive', 'Cheaper', 'Idle']) ctx.conversations.push((await ctx.repos.conversations.create({ title, source: 'dashboard' }, BASE)).conversation_id);
    const now = Date.now();
    ctx.dayStart = now - (now % DAY);
    ctx.seeds = [...historical(ctx.conversations[0]!, ctx.conversations[1]!), ...today(ctx.dayStart)];
    for (const s of ctx.seeds) await seed(ctx.repos, s);
  });
  afterAll(async () => {
    await ctx.app?.close();
    await ctx.services?.close();
    await db.close();
  });
  return ctx;
}

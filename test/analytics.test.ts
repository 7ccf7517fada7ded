import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CSV_PAGE_SIZE } from '../src/api/ledger.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { binOf, binRange, DURATION_BIN_COLUMNS, quantileFromBins } from '../src/domain/duration-histogram.js';
import { END_OF_RUN } from '../src/domain/task-status.js';
import { createServices, type Services } from '../src/services.js';
import type { Storage } from '../src/storage/db.js';
import type { Repositories } from '../src/storage/repositories/index.js';
import { rebuildRollups } from '../src/storage/rollups.js';
import type { RollupFigures } from '../src/storage/schema/analytics-tables.js';
import { STORAGE_DIALECTS, testDatabase } from './support/test-database.js';

// Analytics and the ledger over known data, on SQLite and on the real PostgreSQL: every figure the API returns is
// recomputed here from the seeded tasks. Tasks are finished through TaskRepository.transition, as the worker does, so
// the rollups are the ones the service keeps.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BASE = Date.UTC(2025, 2, 1); // 2025-03-01T00:00Z
const AGENTS = [null, 'planner', 'reviewer'];
const MODELS = ['sonnet', 'opus'];
const SOURCES = ['dashboard', 'github', 'slack', 'jira'];
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin'];
const KINDS = ['success', 'success', 'empty', 'error', 'budget', 'cancelled', 'timeout'] as const;
const QUOTED_RULE = 'say "hi", then\nleave';

/** The usage figures a finished task adds to its rollups. */
type Usage = Pick<RollupFigures, 'cost_usd' | 'input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_creation_tokens' | 'num_turns'>;

interface Seed extends Usage {
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
const isFinished = (s: Seed) => FINAL.includes(s.status);

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
function expected(tasks: Seed[]) {
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

function exactP95(durations: number[]): number {
  const sorted = [...durations].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1]!;
}

/** `capped`: the p95 of an (other) series is capped by the largest duration of its whole bucket, not its own. */
function expectPoint(point: any, tasks: Seed[], capped = true): void {
  const e = expected(tasks);
  expect(point.tasks).toBe(e.tasks);
  expect(point.cost_usd).toBeCloseTo(e.cost_usd, 9);
  expect(point.errors).toBe(e.errors);
  expect(point.input_tokens).toBe(e.input_tokens);
  expect(point.output_tokens).toBe(e.output_tokens);
  expect(point.cache_read_tokens).toBe(e.cache_read_tokens);
  expect(point.cache_creation_tokens).toBe(e.cache_creation_tokens);
  expect(point.mean_duration_ms).toBe(e.mean_duration_ms);
  if (capped) expect(point.p95_duration_ms).toBe(e.p95_duration_ms);
  if (e.durations.length) {
    // The estimate lies in the histogram bin that holds the exact p95.
    const [lower, upper] = binRange(binOf(exactP95(e.durations)));
    expect(point.p95_duration_ms).toBeGreaterThanOrEqual(lower);
    expect(point.p95_duration_ms).toBeLessThanOrEqual(upper);
  }
}

/** A strict RFC 4180 reader, to check what the export wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else field += text[i++];
      }
    } else if (text[i] === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (text[i] === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else field += text[i++];
  }
  expect(field).toBe(''); // every line ends with CRLF
  return rows;
}

for (const dialect of STORAGE_DIALECTS) {
  describe.skipIf(dialect.skip)(`analytics and ledger on ${dialect.name}`, () => {
    let storage: Storage;
    let repos: Repositories;
    let app: FastifyInstance;
    let services: Services;
    let seeds: Seed[];
    let dayStart: number;
    const conversations: string[] = [];
    const db = testDatabase(dialect.name, 'cca-analytics-');

    const get = async (url: string) => {
      const res = await app.inject({ method: 'GET', url });
      return { status: res.statusCode, body: String(res.headers['content-type']).includes('json') ? res.json() : res.body, headers: res.headers };
    };

    beforeAll(async () => {
      storage = await db.open();
      services = await createServices(loadConfig({ DATA_DIR: db.dir, LOG_LEVEL: 'silent' }), { role: 'api', storage });
      repos = services.repos;
      app = (await buildApp(services)).app;

      for (const title of ['Expensive', 'Cheaper', 'Idle']) conversations.push((await repos.conversations.create({ title, source: 'dashboard' }, BASE)).conversation_id);
      const now = Date.now();
      dayStart = now - (now % DAY);
      seeds = [...historical(conversations[0]!, conversations[1]!), ...today(dayStart)];
      for (const s of seeds) await seed(repos, s);
    });
    afterAll(async () => {
      await app?.close();
      await services?.close();
      await db.close();
    });

    it('summarises today, all time, live counts and budgets', async () => {
      const created = await app.inject({ method: 'POST', url: '/api/budgets', payload: { scope: 'global', limit_usd: 10 } });
      expect(created.statusCode).toBe(201);
      const res = await get('/api/analytics/summary');
      expect(res.status).toBe(200);
      const all = expected(seeds);
      const todays = expected(seeds.filter((s) => s.created_at >= dayStart));
      // A budget's refusal is its own outcome: the task never ran, so it is not a failure in the success rate.
      const refused = (list: Seed[]) => list.filter((s) => isFinished(s) && s.outcome === 'budget').length;
      const refusedToday = refused(seeds.filter((s) => s.created_at >= dayStart));
      expect(refused(seeds)).toBeGreaterThan(0);
      expect(res.body.today).toMatchObject({ tasks: 11, finished: 5, budget_refused: refusedToday });
      expect(res.body.today.cost_usd).toBeCloseTo(todays.cost_usd, 9);
      expect(res.body.today.success_rate).toBeCloseTo(3 / (5 - refusedToday), 9);
      expect(res.body.total).toMatchObject({ tasks: seeds.length, finished: all.tasks, budget_refused: refused(seeds) });
      expect(res.body.total.cost_usd).toBeCloseTo(all.cost_usd, 9);
      expect(res.body.success_rate).toBeCloseTo(all.successes / (all.tasks - refused(seeds)), 9);
      expect(res.body).toMatchObject({ running: 2, queued: 3, waiting_approval: 1 });
      expect(res.body.budgets).toEqual([
        expect.objectContaining({ budget_id: created.json().budget_id, scope: 'global', key: null, period: 'day', limit_usd: 10, enabled: true }),
      ]);
      expect(res.body.budgets[0].spent_usd).toBeCloseTo(2.5, 9);
      expect(res.body.budgets[0].remaining_usd).toBeCloseTo(7.5, 9);
      await app.inject({ method: 'DELETE', url: `/api/budgets/${created.json().budget_id}` });
    });

    it('charts daily costs, tokens, errors and durations over a range', async () => {
      const res = await get('/api/analytics/costs?from=2025-03-01&to=2025-03-04&granularity=day');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ granularity: 'day', group_by: null, top: null, from: '2025-03-01T00:00:00.000Z', to: '2025-03-04T00:00:00.000Z' });
      expect(res.body.series).toHaveLength(1);
      const [series] = res.body.series;
      expect(series.key).toBe('all');
      expect(series.points.map((p: any) => p.t)).toEqual(['2025-03-01T00:00:00.000Z', '2025-03-02T00:00:00.000Z', '2025-03-03T00:00:00.000Z']);
      series.points.forEach((p: any, d: number) => expectPoint(p, seeds.filter((s) => s.created_at >= BASE + d * DAY && s.created_at < BASE + (d + 1) * DAY)));
    });

    it('charts hourly buckets grouped by agent, with empty hours as zero points', async () => {
      const res = await get('/api/analytics/costs?from=2025-03-01T00:00:00Z&to=2025-03-01T06:00:00Z&granularity=hour&group_by=agent');
      expect(res.status).toBe(200);
      const window = seeds.filter((s) => s.created_at >= BASE && s.created_at < BASE + 6 * HOUR);
      // Series are ranked by cost over the whole UTC days the range touches.
      const day = seeds.filter((s) => s.created_at >= BASE && s.created_at < BASE + DAY);
      const byAgent = AGENTS.map((a) => ({ key: a, ...expected(day.filter((s) => s.agent === a)) })).sort(
        (x, y) => y.cost_usd - x.cost_usd || y.tasks - x.tasks || (x.key ?? '').localeCompare(y.key ?? ''),
      );
      expect(res.body.series.map((s: any) => s.key)).toEqual(byAgent.map((a) => a.key));
      for (const series of res.body.series) {
        expect(series.points).toHaveLength(6);
        series.points.forEach((p: any, h: number) => {
          expect(p.t).toBe(new Date(BASE + h * HOUR).toISOString());
          expectPoint(p, window.filter((s) => s.agent === series.key && s.created_at >= BASE + h * HOUR && s.created_at < BASE + (h + 1) * HOUR));
        });
      }
      const later = await get('/api/analytics/costs?from=2025-02-01T00:00:00Z&to=2025-02-01T03:00:00Z&granularity=hour');
      expect(later.body.series[0].points.map((p: any) => [p.tasks, p.cost_usd, p.p95_duration_ms])).toEqual([[0, 0, null], [0, 0, null], [0, 0, null]]);
    });

    it('groups by requester, model, source and rule, folding all but the top keys into (other)', async () => {
      const range = seeds.filter((s) => s.created_at >= BASE && s.created_at < BASE + 3 * DAY);
      const res = await get('/api/analytics/costs?from=2025-03-01&to=2025-03-04&group_by=requester&top=2');
      expect(res.status).toBe(200);
      const requesters = [...new Set(range.map((s) => s.requester!))]
        .map((r) => ({ r, ...expected(range.filter((s) => s.requester === r)) }))
        .sort((a, b) => b.cost_usd - a.cost_usd || b.tasks - a.tasks || (a.r < b.r ? -1 : 1));
      const top = requesters.slice(0, 2).map((r) => r.r);
      expect(res.body.series.map((s: any) => s.key)).toEqual([...top, '(other)']);
      res.body.series.forEach((series: any) => {
        const mine = (s: Seed) => (series.key === '(other)' ? !top.includes(s.requester!) : s.requester === series.key);
        series.points.forEach((p: any, d: number) =>
          expectPoint(p, range.filter((s) => mine(s) && s.created_at >= BASE + d * DAY && s.created_at < BASE + (d + 1) * DAY), series.key !== '(other)'),
        );
      });

      // A long range ranks by calendar months: the same top keys here (all of the data is in one month).
      const long = await get('/api/analytics/costs?from=2025-01-01&to=2025-05-01&group_by=requester&top=2');
      expect(long.status).toBe(200);
      expect(long.body.series.map((s: any) => s.key)).toEqual([...top, '(other)']);
      expect(long.body.series[0].points).toHaveLength(120);
      const longTotal = long.body.series.reduce((a: number, s: any) => a + s.points.reduce((b: number, p: any) => b + p.cost_usd, 0), 0);
      expect(longTotal).toBeCloseTo(expected(range).cost_usd, 9);

      // A long hourly range gives fewer keys a series of their own: an answer holds at most 4,400 points.
      const month = await get('/api/analytics/costs?from=2025-02-20T00:00:00Z&to=2025-03-23T00:00:00Z&granularity=hour&group_by=requester&top=10');
      expect(month.status).toBe(200);
      expect(month.body.top).toBe(4);
      expect(month.body.series.map((s: any) => s.key)).toEqual([...requesters.slice(0, 4).map((r) => r.r), '(other)']);
      expect(month.body.series.reduce((a: number, s: any) => a + s.points.length, 0)).toBeLessThanOrEqual(4400);

      // Hourly: ranked over the day, the rest folded into (other); every hour still adds up to all its tasks.
      const hourly = await get('/api/analytics/costs?from=2025-03-02T00:00:00Z&to=2025-03-02T12:00:00Z&granularity=hour&group_by=requester&top=2');
      expect(hourly.status).toBe(200);
      expect(hourly.body.series.map((s: any) => s.key).at(-1)).toBe('(other)');
      for (let h = 0; h < 12; h++) {
        const inHour = seeds.filter((s) => s.created_at >= BASE + DAY + h * HOUR && s.created_at < BASE + DAY + (h + 1) * HOUR);
        const points = hourly.body.series.map((s: any) => s.points[h]);
        expect(points.reduce((a: number, p: any) => a + p.tasks, 0)).toBe(expected(inHour).tasks);
        expect(points.reduce((a: number, p: any) => a + p.cost_usd, 0)).toBeCloseTo(expected(inHour).cost_usd, 9);
        expect(points.reduce((a: number, p: any) => a + p.input_tokens, 0)).toBe(expected(inHour).input_tokens);
      }

      for (const [groupBy, of] of [
        ['model', (s: Seed) => s.model],
        ['source', (s: Seed) => s.source],
        ['rule', (s: Seed) => s.rule],
      ] as const) {
        const grouped = await get(`/api/analytics/costs?from=2025-03-01&to=2025-03-04&group_by=${groupBy}`);
        expect(grouped.status).toBe(200);
        const keys = [...new Set(range.map(of))];
        expect(grouped.body.series.map((s: any) => s.key).sort()).toEqual([...keys].sort());
        for (const series of grouped.body.series) {
          const total = series.points.reduce((a: number, p: any) => a + p.cost_usd, 0);
          expect(total).toBeCloseTo(expected(range.filter((s) => of(s) === series.key)).cost_usd, 9);
        }
      }
    });

    it('reports each agent and the most expensive conversations', async () => {
      const res = await get('/api/analytics/agents');
      expect(res.status).toBe(200);
      for (const agent of AGENTS) {
        const e = expected(seeds.filter((s) => s.agent === agent));
        const row = res.body.agents.find((a: any) => a.agent === agent);
        expect(row).toMatchObject({ runs: e.tasks, successes: e.successes, input_tokens: e.input_tokens, output_tokens: e.output_tokens, mean_duration_ms: e.mean_duration_ms });
        expect(row.cost_usd).toBeCloseTo(e.cost_usd, 9);
        expect(row.success_rate).toBeCloseTo(e.successes / e.tasks, 9);
      }
      const costs = res.body.agents.map((a: any) => a.cost_usd);
      expect(costs).toEqual([...costs].sort((a, b) => b - a));
      const march = await get('/api/analytics/agents?from=2025-03-01&to=2025-03-04');
      const planner = march.body.agents.find((a: any) => a.agent === 'planner');
      expect(planner.runs).toBe(expected(seeds.filter((s) => s.agent === 'planner' && s.created_at < dayStart)).tasks);

      const top = await get('/api/analytics/conversations?limit=3');
      expect(top.status).toBe(200);
      const [a, b] = [0, 1].map((n) => seeds.filter((s) => s.conversation_id === conversations[n]));
      const [costA, costB] = [expected(a!).cost_usd, expected(b!).cost_usd];
      expect(costA).not.toBe(costB);
      const [first, second] = costA > costB ? [0, 1] : [1, 0];
      expect(top.body.conversations.map((c: any) => c.conversation_id)).toEqual([conversations[first], conversations[second], conversations[2]]);
      const shown = (n: number) => top.body.conversations.find((c: any) => c.conversation_id === conversations[n]);
      expect(shown(0)).toMatchObject({ title: 'Expensive', tasks: a!.length });
      expect(shown(0).cost_usd).toBeCloseTo(costA, 9);
      expect(shown(1).cost_usd).toBeCloseTo(costB, 9);
      expect(shown(2)).toMatchObject({ title: 'Idle', tasks: 0, cost_usd: 0 });
      expect(Date.parse(shown(0).last_activity)).toBeGreaterThan(BASE);
    });

    const sortKey = { created_at: (s: Seed) => s.created_at, cost_usd: (s: Seed) => s.cost_usd, duration_ms: (s: Seed) => s.duration_ms ?? -1 };
    /** The seeds' task ids in the ledger's order for a sort (task_id breaking ties the same way). */
    const ordered = (rows: Seed[], sort: keyof typeof sortKey, order: 'asc' | 'desc') => {
      const dir = order === 'asc' ? 1 : -1;
      return [...rows].sort((x, y) => dir * (sortKey[sort](x) - sortKey[sort](y) || (x.task_id < y.task_id ? -1 : 1))).map((s) => s.task_id);
    };
    /** Every row of a ledger query, following next_cursor page by page; and how many pages it took. */
    const pageAll = async (query: string, limit: number) => {
      const got: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await get(`/api/ledger?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.rows.length).toBeLessThanOrEqual(limit);
        got.push(...res.body.rows.map((r: any) => r.task_id));
        cursor = res.body.next_cursor;
        pages++;
      } while (cursor);
      return { got, pages };
    };

    it('pages the ledger by keyset through every row exactly once, in each sort and order', async () => {
      for (const sort of ['created_at', 'cost_usd', 'duration_ms'] as const) {
        for (const order of ['asc', 'desc'] as const) {
          const { got, pages } = await pageAll(`sort=${sort}&order=${order}`, 13);
          expect(got, `${sort} ${order}`).toEqual(ordered(seeds, sort, order));
          expect(pages).toBe(Math.ceil(seeds.length / 13));
        }
      }
    });

    it("pages one requester's tasks in every sort, whether the query walks the sort's index (a busy requester) or theirs", async () => {
      const count = (r: string | null) => seeds.filter((s) => s.requester === r).length;
      const byCount = [...new Set(seeds.map((s) => s.requester))].filter((r) => r !== null).sort((a, b) => count(b) - count(a) || (a < b ? -1 : 1));
      // The busiest asked for 1 % or more of the finished tasks, so on SQLite the sort's index is walked; one nobody
      // asked is unknown to the rollups and keeps the requester's index. Neither may change the rows.
      for (const requester of [byCount[0]!, byCount.at(-1)!, 'nobody:at-all']) {
        for (const sort of ['created_at', 'cost_usd', 'duration_ms'] as const) {
          for (const order of ['asc', 'desc'] as const) {
            const { got } = await pageAll(`requester=${encodeURIComponent(requester)}&sort=${sort}&order=${order}`, 4);
            expect(got, `${requester} ${sort} ${order}`).toEqual(ordered(seeds.filter((s) => s.requester === requester), sort, order));
          }
        }
      }
    });

    it('shows who asked, by which rule, what it cost and how it ended', async () => {
      const res = await get('/api/ledger?limit=500&sort=created_at&order=asc');
      const row = res.body.rows.find((r: any) => r.task_id === 'task_0009');
      const s = seeds.find((x) => x.task_id === 'task_0009')!;
      expect(row).toEqual({
        task_id: s.task_id,
        created_at: new Date(s.created_at).toISOString(),
        started_at: new Date(s.created_at + 100).toISOString(),
        completed_at: new Date(s.created_at + 100 + s.duration_ms!).toISOString(),
        cost_usd: s.cost_usd,
        input_tokens: s.input_tokens,
        output_tokens: s.output_tokens,
        cache_read_tokens: s.cache_read_tokens,
        cache_creation_tokens: s.cache_creation_tokens,
        model: s.model,
        agent: s.agent,
        source: 'github',
        requester: 'github:erin',
        rule: 'builtin:github:review',
        status: s.status,
        outcome: s.outcome,
        duration_ms: s.duration_ms,
        num_turns: s.num_turns,
        conversation_id: s.conversation_id,
      });
    });

    it('filters the ledger by status, outcome, source, agent, model, requester, rule and time', async () => {
      const ids = async (query: string) => {
        const res = await get(`/api/ledger?limit=500&sort=created_at&order=asc&${query}`);
        expect(res.status, query).toBe(200);
        return res.body.rows.map((r: any) => r.task_id);
      };
      const want = (f: (s: Seed) => boolean) => seeds.filter(f).sort((a, b) => a.created_at - b.created_at || (a.task_id < b.task_id ? -1 : 1)).map((s) => s.task_id);
      expect(await ids('status=failed,cancelled')).toEqual(want((s) => s.status === 'failed' || s.status === 'cancelled'));
      expect(await ids('outcome=budget,timeout')).toEqual(want((s) => s.outcome === 'budget' || s.outcome === 'timeout'));
      expect(await ids('source=slack')).toEqual(want((s) => s.source === 'slack'));
      expect(await ids('agent=reviewer')).toEqual(want((s) => s.agent === 'reviewer'));
      expect(await ids('model=opus')).toEqual(want((s) => s.model === 'opus'));
      expect(await ids('requester=jira:carol')).toEqual(want((s) => s.requester === 'jira:carol'));
      expect(await ids('rule=builtin:github:review&status=completed')).toEqual(want((s) => s.rule === 'builtin:github:review' && s.status === 'completed'));
      expect(await ids(`conversation_id=${conversations[0]}`)).toEqual(want((s) => s.conversation_id === conversations[0]));
      expect(await ids('from=2025-03-02T00:00:00Z&to=2025-03-02T12:00:00Z&source=github')).toEqual(
        want((s) => s.source === 'github' && s.created_at >= BASE + DAY && s.created_at < BASE + DAY + 12 * HOUR),
      );
      // Filters and keyset pages together.
      const first = await get('/api/ledger?source=github&sort=cost_usd&order=desc&limit=10');
      const second = await get(`/api/ledger?source=github&sort=cost_usd&order=desc&limit=10&cursor=${first.body.next_cursor}`);
      const github = seeds.filter((s) => s.source === 'github').sort((a, b) => b.cost_usd - a.cost_usd || (a.task_id < b.task_id ? 1 : -1));
      expect([...first.body.rows, ...second.body.rows].map((r: any) => r.task_id)).toEqual(github.slice(0, 20).map((s) => s.task_id));
    });

    it('exports the filtered ledger as RFC 4180 CSV', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/ledger?format=csv&source=github&sort=cost_usd&order=asc' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="ledger-[0-9T-]+\.csv"$/);
      const [header, ...rows] = parseCsv(res.body);
      expect(header).toEqual(['task_id', 'created_at', 'completed_at', 'status', 'outcome', 'cost_usd', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'duration_ms', 'num_turns', 'model', 'agent', 'source', 'requester', 'rule', 'conversation_id']);
      const github = seeds.filter((s) => s.source === 'github').sort((a, b) => a.cost_usd - b.cost_usd || (a.task_id < b.task_id ? -1 : 1));
      expect(rows.map((r) => r[0])).toEqual(github.map((s) => s.task_id));
      const quoted = rows.find((r) => r[0] === 'task_0077')!;
      expect(quoted[16]).toBe(QUOTED_RULE);
      expect(res.body).toContain('"say ""hi"", then\nleave"');
      const s = github.find((x) => x.task_id === 'task_0077')!;
      expect(quoted.slice(0, 6)).toEqual([s.task_id, new Date(s.created_at).toISOString(), new Date(s.created_at + 100 + s.duration_ms!).toISOString(), s.status, s.outcome, String(s.cost_usd)]);
      expect(quoted[13]).toBe(s.agent ?? '');
    });

    it('answers bad parameters with a 400 naming the field', async () => {
      const cases: Array<[string, string]> = [
        ['/api/analytics/costs?granularity=minute', 'granularity'],
        ['/api/analytics/costs?group_by=colour', 'group_by'],
        ['/api/analytics/costs?from=yesterday', 'from'],
        ['/api/analytics/costs?from=2025-03-01T10:00:00', 'from'],
        ['/api/analytics/costs?from=2025-03-05&to=2025-03-01', 'from'],
        ['/api/analytics/costs?from=2025-01-01&to=2025-03-01&granularity=hour', 'from'],
        ['/api/analytics/costs?from=2020-01-01&to=2025-03-01', 'from'],
        ['/api/analytics/costs?top=0', 'top'],
        ['/api/analytics/agents?from=2025-03-05&to=2025-03-01', 'from'],
        ['/api/analytics/conversations?limit=1000', 'limit'],
        ['/api/ledger?sort=name', 'sort'],
        ['/api/ledger?order=up', 'order'],
        ['/api/ledger?limit=0', 'limit'],
        ['/api/ledger?status=done', 'status'],
        ['/api/ledger?outcome=meh', 'outcome'],
        ['/api/ledger?from=2025-03-05&to=2025-03-01', 'to'],
        ['/api/ledger?format=xml', 'format'],
        ['/api/ledger?cursor=garbage', 'cursor'],
      ];
      for (const [url, field] of cases) {
        const res = await get(url);
        expect(res.status, url).toBe(400);
        expect(res.body.error, url).toMatch(new RegExp(`\\b${field}[.:]`));
      }
      const costCursor = (await get('/api/ledger?sort=cost_usd&limit=2')).body.next_cursor;
      const mismatch = await get(`/api/ledger?sort=created_at&limit=2&cursor=${costCursor}`);
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.error).toContain('cursor: belongs to sort=cost_usd');
    });

    it('exposes tasks by outcome, cost by agent/model/source, durations and webhook deliveries in /metrics', async () => {
      for (const outcome of ['accepted', 'accepted', 'ignored']) {
        await storage.db
          .insertInto('webhook_events')
          .values({ event_id: `whe_${Math.random()}`, webhook_id: null, provider: 'github', event_type: 'issues', delivery_id: null, dedup_key: null, headers: '{}', payload: '{}', verified: 1, verification_error: null, matched_command: null, explanation: null, rendered_prompt: null, task_id: null, outcome, status_code: 202, replay_of: null, created_at: BASE })
          .execute();
      }
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      const metric = (line: string) => {
        const found = res.body.split('\n').find((l) => l.startsWith(`${line} `));
        expect(found, line).toBeDefined();
        return Number(found!.slice(line.length + 1));
      };
      const done = seeds.filter(isFinished);
      expect(metric('cca_tasks_finished_total{outcome="success"}')).toBe(done.filter((s) => s.outcome === 'success').length);
      expect(metric('cca_tasks_finished_total{outcome="budget"}')).toBe(done.filter((s) => s.outcome === 'budget').length);
      expect(metric('cca_task_cost_usd_by_source_total{source="github"}')).toBeCloseTo(expected(done.filter((s) => s.source === 'github')).cost_usd, 9);
      expect(metric('cca_task_cost_usd_by_agent_total{agent="none"}')).toBeCloseTo(expected(done.filter((s) => s.agent === null)).cost_usd, 9);
      expect(metric('cca_task_cost_usd_by_model_total{model="opus"}')).toBeCloseTo(expected(done.filter((s) => s.model === 'opus')).cost_usd, 9);
      for (const status of ['completed', 'failed', 'cancelled', 'running', 'queued', 'waiting_approval']) {
        expect(metric(`cca_tasks{status="${status}"}`), status).toBe(seeds.filter((s) => s.status === status).length);
      }
      const durations = expected(done).durations;
      expect(res.body).toContain('# TYPE cca_task_duration_seconds histogram');
      expect(metric('cca_task_duration_seconds_count')).toBe(durations.length);
      expect(metric('cca_task_duration_seconds_bucket{le="+Inf"}')).toBe(durations.length);
      expect(metric('cca_task_duration_seconds_bucket{le="60"}')).toBe(durations.filter((d) => d <= 60_000).length);
      expect(metric('cca_task_duration_seconds_sum')).toBeCloseTo(durations.reduce((a, b) => a + b, 0) / 1000, 6);
      expect(metric('cca_webhook_deliveries_total{provider="github",outcome="accepted"}')).toBe(2);
      expect(metric('cca_webhook_deliveries_total{provider="github",outcome="ignored"}')).toBe(1);
    });

    it('keeps the rollups exact under concurrent finishes, equal to a rebuild from the tasks', async () => {
      const at = Date.UTC(2024, 0, 1, 10);
      const ids = Array.from({ length: 60 }, (_, i) => `task_c${String(i).padStart(3, '0')}`);
      for (const [i, id] of ids.entries()) {
        await repos.tasks.create({ task_id: id, session_id: 'sess-c', source: 'concurrent', input_message: 'x', status: 'queued', requester: `slack:U${i % 3}`, model: 'sonnet' }, at + i);
        await repos.tasks.transition(id, 'claim', { started_at: at + i });
      }
      // All finish at once: on PostgreSQL these are parallel transactions on a pool, all incrementing the same rows.
      const results = await Promise.all(
        ids.map((id, i) => repos.tasks.transition(id, i % 4 ? 'complete' : 'fail', { outcome: i % 4 ? 'success' : 'error', cost_usd: 0.25, input_tokens: 10, output_tokens: 1, duration_ms: 1000 * (i + 1) })),
      );
      expect(results.every(Boolean)).toBe(true);
      const res = await get('/api/analytics/costs?from=2024-01-01&to=2024-01-02&group_by=source');
      expect(res.body.series).toHaveLength(1);
      expect(res.body.series[0]).toMatchObject({ key: 'concurrent', points: [expect.objectContaining({ tasks: 60, errors: 15, input_tokens: 600, output_tokens: 60 })] });
      expect(res.body.series[0].points[0].cost_usd).toBeCloseTo(15, 9);

      const snapshot = async () =>
        (await storage.db.selectFrom('task_rollups').selectAll().orderBy(['granularity', 'dim', 'bucket', 'key']).execute()).map((r) =>
          Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' || typeof v === 'bigint' ? Math.round(Number(v) * 1e6) / 1e6 : v])),
        );
      const incremental = await snapshot();
      await rebuildRollups(storage.db);
      expect(await snapshot()).toEqual(incremental);
    });

    it('streams a large CSV export page by page', async () => {
      const n = 2 * CSV_PAGE_SIZE + 500;
      const rows = Array.from({ length: n }, (_, i) => ({
        task_id: `task_bulk${String(i).padStart(5, '0')}`,
        session_id: 'sess-bulk',
        source: 'bulk',
        input_message: 'x',
        status: 'completed',
        outcome: 'success',
        cost_usd: (i % 8) * 0.125,
        duration_ms: i,
        requester: 'github:bulk',
        created_at: BASE - DAY + i,
        updated_at: BASE,
      }));
      for (let i = 0; i < rows.length; i += 500) await storage.db.insertInto('tasks').values(rows.slice(i, i + 500)).execute();
      const pages = vi.spyOn(repos.ledger, 'page');
      try {
        const res = await app.inject({ method: 'GET', url: '/api/ledger?format=csv&source=bulk' });
        expect(res.statusCode).toBe(200);
        const [, ...lines] = parseCsv(res.body);
        expect(lines.map((l) => l[0])).toEqual(rows.map((r) => r.task_id).reverse());
        // Never the whole set at once: one bounded read per page.
        expect(pages.mock.calls.length).toBe(3);
        for (const [q] of pages.mock.calls) expect(q.limit).toBe(CSV_PAGE_SIZE);
      } finally {
        pages.mockRestore();
      }
      const count = await sql<{ n: number }>`select count(*) as n from tasks where source = 'bulk'`.execute(storage.db);
      expect(Number(count.rows[0]!.n)).toBe(n);
    });
  });
}

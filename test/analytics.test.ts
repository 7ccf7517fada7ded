import { describe, expect, it } from 'vitest';
import { binOf, binRange } from '../src/domain/duration-histogram.js';
import { rebuildRollups } from '../src/storage/rollups.js';
import { AGENTS, analyticsSuite, BASE, DAY, expected, HOUR, isFinished, type Seed } from './support/analytics-suite.js';
import { STORAGE_DIALECTS } from './support/test-database.js';

// Analytics over known data, on SQLite and on the real PostgreSQL: every figure the API returns is recomputed here
// from the seeded tasks (test/support/analytics-suite.ts). The ledger's pages, filters and CSV are in ledger.test.ts.
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

for (const dialect of STORAGE_DIALECTS) {
  describe.skipIf(dialect.skip)(`analytics and ledger on ${dialect.name}`, () => {
    const ctx = analyticsSuite(dialect.name);
    const { get } = ctx;

    it('summarises today, all time, live counts and budgets', async () => {
      const created = await ctx.app.inject({ method: 'POST', url: '/api/budgets', payload: { scope: 'global', limit_usd: 10 } });
      expect(created.statusCode).toBe(201);
      const res = await get('/api/analytics/summary');
      expect(res.status).toBe(200);
      const all = expected(ctx.seeds);
      const todays = expected(ctx.seeds.filter((s) => s.created_at >= ctx.dayStart));
      // A budget's refusal is its own outcome: the task never ran, so it is not a failure in the success rate.
      const refused = (list: Seed[]) => list.filter((s) => isFinished(s) && s.outcome === 'budget').length;
      const refusedToday = refused(ctx.seeds.filter((s) => s.created_at >= ctx.dayStart));
      expect(refused(ctx.seeds)).toBeGreaterThan(0);
      expect(res.body.today).toMatchObject({ tasks: 11, finished: 5, budget_refused: refusedToday });
      expect(res.body.today.cost_usd).toBeCloseTo(todays.cost_usd, 9);
      expect(res.body.today.success_rate).toBeCloseTo(3 / (5 - refusedToday), 9);
      expect(res.body.total).toMatchObject({ tasks: ctx.seeds.length, finished: all.tasks, budget_refused: refused(ctx.seeds) });
      expect(res.body.total.cost_usd).toBeCloseTo(all.cost_usd, 9);
      expect(res.body.success_rate).toBeCloseTo(all.successes / (all.tasks - refused(ctx.seeds)), 9);
      expect(res.body).toMatchObject({ running: 2, queued: 3, waiting_approval: 1 });
      expect(res.body.budgets).toEqual([
        expect.objectContaining({ budget_id: created.json().budget_id, scope: 'global', key: null, period: 'day', limit_usd: 10, enabled: true }),
      ]);
      expect(res.body.budgets[0].spent_usd).toBeCloseTo(2.5, 9);
      expect(res.body.budgets[0].remaining_usd).toBeCloseTo(7.5, 9);
      await ctx.app.inject({ method: 'DELETE', url: `/api/budgets/${created.json().budget_id}` });
    });

    it('charts daily costs, tokens, errors and durations over a range', async () => {
      const res = await get('/api/analytics/costs?from=2025-03-01&to=2025-03-04&granularity=day');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ granularity: 'day', group_by: null, top: null, from: '2025-03-01T00:00:00.000Z', to: '2025-03-04T00:00:00.000Z' });
      expect(res.body.series).toHaveLength(1);
      const [series] = res.body.series;
      expect(series.key).toBe('all');
      expect(series.points.map((p: any) => p.t)).toEqual(['2025-03-01T00:00:00.000Z', '2025-03-02T00:00:00.000Z', '2025-03-03T00:00:00.000Z']);
      series.points.forEach((p: any, d: number) => expectPoint(p, ctx.seeds.filter((s) => s.created_at >= BASE + d * DAY && s.created_at < BASE + (d + 1) * DAY)));
    });

    it('charts hourly buckets grouped by agent, with empty hours as zero points', async () => {
      const res = await get('/api/analytics/costs?from=2025-03-01T00:00:00Z&to=2025-03-01T06:00:00Z&granularity=hour&group_by=agent');
      expect(res.status).toBe(200);
      const window = ctx.seeds.filter((s) => s.created_at >= BASE && s.created_at < BASE + 6 * HOUR);
      // Series are ranked by cost over the whole UTC days the range touches.
      const day = ctx.seeds.filter((s) => s.created_at >= BASE && s.created_at < BASE + DAY);
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
      const range = ctx.seeds.filter((s) => s.created_at >= BASE && s.created_at < BASE + 3 * DAY);
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
        const inHour = ctx.seeds.filter((s) => s.created_at >= BASE + DAY + h * HOUR && s.created_at < BASE + DAY + (h + 1) * HOUR);
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

    it('reports each agent and the most expensive ctx.conversations', async () => {
      const res = await get('/api/analytics/agents');
      expect(res.status).toBe(200);
      for (const agent of AGENTS) {
        const e = expected(ctx.seeds.filter((s) => s.agent === agent));
        const row = res.body.agents.find((a: any) => a.agent === agent);
        expect(row).toMatchObject({ runs: e.tasks, successes: e.successes, input_tokens: e.input_tokens, output_tokens: e.output_tokens, mean_duration_ms: e.mean_duration_ms });
        expect(row.cost_usd).toBeCloseTo(e.cost_usd, 9);
        expect(row.success_rate).toBeCloseTo(e.successes / e.tasks, 9);
      }
      const costs = res.body.agents.map((a: any) => a.cost_usd);
      expect(costs).toEqual([...costs].sort((a, b) => b - a));
      const march = await get('/api/analytics/agents?from=2025-03-01&to=2025-03-04');
      const planner = march.body.agents.find((a: any) => a.agent === 'planner');
      expect(planner.runs).toBe(expected(ctx.seeds.filter((s) => s.agent === 'planner' && s.created_at < ctx.dayStart)).tasks);

      const top = await get('/api/analytics/conversations?limit=3');
      expect(top.status).toBe(200);
      const [a, b] = [0, 1].map((n) => ctx.seeds.filter((s) => s.conversation_id === ctx.conversations[n]));
      const [costA, costB] = [expected(a!).cost_usd, expected(b!).cost_usd];
      expect(costA).not.toBe(costB);
      const [first, second] = costA > costB ? [0, 1] : [1, 0];
      expect(top.body.conversations.map((c: any) => c.conversation_id)).toEqual([ctx.conversations[first], ctx.conversations[second], ctx.conversations[2]]);
      const shown = (n: number) => top.body.conversations.find((c: any) => c.conversation_id === ctx.conversations[n]);
      expect(shown(0)).toMatchObject({ title: 'Expensive', tasks: a!.length });
      expect(shown(0).cost_usd).toBeCloseTo(costA, 9);
      expect(shown(1).cost_usd).toBeCloseTo(costB, 9);
      expect(shown(2)).toMatchObject({ title: 'Idle', tasks: 0, cost_usd: 0 });
      expect(Date.parse(shown(0).last_activity)).toBeGreaterThan(BASE);
    });

    it('exposes tasks by outcome, cost by agent/model/source, durations and webhook deliveries in /metrics', async () => {
      for (const outcome of ['accepted', 'accepted', 'ignored']) {
        await ctx.storage.db
          .insertInto('webhook_events')
          .values({ event_id: `whe_${Math.random()}`, webhook_id: null, provider: 'github', event_type: 'issues', delivery_id: null, dedup_key: null, headers: '{}', payload: '{}', verified: 1, verification_error: null, matched_command: null, explanation: null, rendered_prompt: null, task_id: null, outcome, status_code: 202, replay_of: null, created_at: BASE })
          .execute();
      }
      const res = await ctx.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      const metric = (line: string) => {
        const found = res.body.split('\n').find((l) => l.startsWith(`${line} `));
        expect(found, line).toBeDefined();
        return Number(found!.slice(line.length + 1));
      };
      const done = ctx.seeds.filter(isFinished);
      expect(metric('cca_tasks_finished_total{outcome="success"}')).toBe(done.filter((s) => s.outcome === 'success').length);
      expect(metric('cca_tasks_finished_total{outcome="budget"}')).toBe(done.filter((s) => s.outcome === 'budget').length);
      expect(metric('cca_task_cost_usd_by_source_total{source="github"}')).toBeCloseTo(expected(done.filter((s) => s.source === 'github')).cost_usd, 9);
      expect(metric('cca_task_cost_usd_by_agent_total{agent="none"}')).toBeCloseTo(expected(done.filter((s) => s.agent === null)).cost_usd, 9);
      expect(metric('cca_task_cost_usd_by_model_total{model="opus"}')).toBeCloseTo(expected(done.filter((s) => s.model === 'opus')).cost_usd, 9);
      for (const status of ['completed', 'failed', 'cancelled', 'running', 'queued', 'waiting_approval']) {
        expect(metric(`cca_tasks{status="${status}"}`), status).toBe(ctx.seeds.filter((s) => s.status === status).length);
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
        await ctx.repos.tasks.create({ task_id: id, session_id: 'sess-c', source: 'concurrent', input_message: 'x', status: 'queued', requester: `slack:U${i % 3}`, model: 'sonnet' }, at + i);
        await ctx.repos.tasks.transition(id, 'claim', { started_at: at + i });
      }
      // All finish at once: on PostgreSQL these are parallel transactions on a pool, all incrementing the same rows.
      const results = await Promise.all(
        ids.map((id, i) => ctx.repos.tasks.transition(id, i % 4 ? 'complete' : 'fail', { outcome: i % 4 ? 'success' : 'error', cost_usd: 0.25, input_tokens: 10, output_tokens: 1, duration_ms: 1000 * (i + 1) })),
      );
      expect(results.every(Boolean)).toBe(true);
      const res = await get('/api/analytics/costs?from=2024-01-01&to=2024-01-02&group_by=source');
      expect(res.body.series).toHaveLength(1);
      expect(res.body.series[0]).toMatchObject({ key: 'concurrent', points: [expect.objectContaining({ tasks: 60, errors: 15, input_tokens: 600, output_tokens: 60 })] });
      expect(res.body.series[0].points[0].cost_usd).toBeCloseTo(15, 9);

      const snapshot = async () =>
        (await ctx.storage.db.selectFrom('task_rollups').selectAll().orderBy(['granularity', 'dim', 'bucket', 'key']).execute()).map((r) =>
          Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' || typeof v === 'bigint' ? Math.round(Number(v) * 1e6) / 1e6 : v])),
        );
      const incremental = await snapshot();
      await rebuildRollups(ctx.storage.db);
      expect(await snapshot()).toEqual(incremental);
    });
  });
}

import { serializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { CostsResponse } from '../src/contracts/analytics.js';
import { DURATION_BIN_COLUMNS } from '../src/domain/duration-histogram.js';
import type { Figures } from '../src/storage/repositories/analytics.js';
import type { TaskRollupRow } from '../src/storage/schema/analytics-tables.js';
import { analyticsSuite, HOUR, QUOTED_RULE } from './support/analytics-suite.js';
import { STORAGE_DIALECTS } from './support/test-database.js';

// How the large analytics answers are read and written: the rollup rows a chart reads come back as one packed text
// per query (src/storage/repositories/packed-rollups.ts), and the costs route writes its answer as the service built it
// (src/api/schemas.ts, asBuilt) instead of through zod's encode. Both must give exactly what the plain way gives.
const zodWrites = serializerCompiler({ schema: CostsResponse, method: 'GET', url: '/api/analytics/costs' } as Parameters<typeof serializerCompiler>[0]) as (data: unknown) => string;

for (const dialect of STORAGE_DIALECTS) {
  describe.skipIf(dialect.skip)(`analytics answers on ${dialect.name}`, () => {
    const ctx = analyticsSuite(dialect.name);

    it('writes every kind of chart byte for byte as the zod contract writes it', async () => {
      for (const query of [
        'from=2025-03-01&to=2025-03-04',
        'from=2025-03-01T00:00:00Z&to=2025-03-01T06:00:00Z&granularity=hour&group_by=agent',
        'from=2025-03-01&to=2025-03-04&group_by=requester&top=2',
        'from=2025-02-20T00:00:00Z&to=2025-03-23T00:00:00Z&granularity=hour&group_by=requester',
        'from=2025-03-01&to=2025-03-04&group_by=rule',
        'from=2025-01-01&to=2025-01-03&group_by=model',
      ]) {
        const res = await ctx.app.inject({ method: 'GET', url: `/api/analytics/costs?${query}` });
        expect(res.statusCode, query).toBe(200);
        expect(res.body, query).toBe(zodWrites(JSON.parse(res.body)));
      }
      // The rule with a quote and a newline in its key, a null key (no rule) and nulls among the figures all came by.
      const rules = JSON.parse((await ctx.app.inject({ method: 'GET', url: '/api/analytics/costs?from=2025-03-01&to=2025-03-04&group_by=rule' })).body);
      expect(rules.series.map((s: { key: string | null }) => s.key)).toEqual(expect.arrayContaining([QUOTED_RULE, null]));
      const refused = await ctx.app.inject({ method: 'GET', url: '/api/analytics/costs?from=2025-03-04&to=2025-03-01' });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toContain('must be before to');
    });

    it('reads packed rollup rows exactly: hostile keys, float costs, every figure and bin', async () => {
      const at = Date.UTC(2001, 0, 1);
      const keys = ['a,b;c', 'say "hi";\n1,2', '', 'other one'];
      const costs = [0.1 + 0.2, 1 / 3, 1e-12, 123456.789, 2, 0.7 * 3];
      const row = (dim: string, key: string, h: number, n: number): TaskRollupRow => {
        const bins = Object.fromEntries(DURATION_BIN_COLUMNS.map((c, b) => [c, (n * 31 + b * 7) % 13]));
        return { granularity: 'hour', dim, key, bucket: at + h * HOUR, tasks: 10 + n, successes: 5 + n, failures: n % 3, cost_usd: costs[n % costs.length]!, input_tokens: 2 ** 40 + n, output_tokens: n, cache_read_tokens: 7 * n, cache_creation_tokens: 0, num_turns: 3, duration_count: 9 + n, duration_sum_ms: 1e11 + n, duration_max_ms: 4_000_000 + n, ...bins } as TaskRollupRow;
      };
      const named = keys.flatMap((key, k) => [0, 2].map((h) => row('requester', key, h, k * 2 + h)));
      const whole = [0, 1, 2].map((h) => ({ ...row('all', '', h, 40 + h), tasks: 100, cost_usd: 1000.5, input_tokens: 2 ** 42 }));
      await ctx.storage.db.insertInto('task_rollups').values([...named, ...whole]).execute();
      const asked = keys.slice(0, 3);
      const rows: Array<{ bucket: number; key: string; figures: Figures }> = [];
      // The figures object is filled anew for each row: kept as copies.
      await ctx.repos.analytics.series({ granularity: 'hour', dim: 'requester', from: at, to: at + 3 * HOUR, keys: asked, other: true }, (bucket, key, f) =>
        rows.push({ bucket, key, figures: { ...f, bins: [...f.bins] } }),
      );

      const plain = (r: TaskRollupRow): Figures => {
        const { granularity: _g, dim: _d, key: _k, bucket: _b, ...f } = r;
        const bins = new Set<string>(DURATION_BIN_COLUMNS);
        return { ...Object.fromEntries(Object.entries(f).filter(([c]) => !bins.has(c))), bins: DURATION_BIN_COLUMNS.map((c) => r[c]) } as unknown as Figures;
      };
      const mine = rows.filter((r) => r.key !== '(other)').sort((a, b) => a.bucket - b.bucket || asked.indexOf(a.key) - asked.indexOf(b.key));
      const wanted = named.filter((r) => asked.includes(r.key)).sort((a, b) => a.bucket - b.bucket || asked.indexOf(a.key) - asked.indexOf(b.key));
      expect(mine).toEqual(wanted.map((r) => ({ bucket: r.bucket, key: r.key, figures: plain(r) })));
      for (const [i, r] of mine.entries()) expect(r.figures.cost_usd).toBe(wanted[i]!.cost_usd);

      // (other): each bucket's `all` row less the named keys' rows; the hour with no named rows is the whole row.
      const other = rows.filter((r) => r.key === '(other)').sort((a, b) => a.bucket - b.bucket);
      expect(other.map((r) => r.bucket)).toEqual([at, at + HOUR, at + 2 * HOUR]);
      expect(other[1]!.figures).toEqual(plain(whole[1]!));
      const less = named.filter((r) => asked.includes(r.key) && r.bucket === at);
      expect(other[0]!.figures.tasks).toBe(100 - less.reduce((a, r) => a + r.tasks, 0));
      expect(other[0]!.figures.input_tokens).toBe(whole[0]!.input_tokens - less.reduce((a, r) => a + r.input_tokens, 0));
      expect(other[0]!.figures.cost_usd).toBe(Math.round((1000.5 - less.reduce((a, r) => a + r.cost_usd, 0)) * 1e9) / 1e9);
      expect(other[0]!.figures.bins).toEqual(DURATION_BIN_COLUMNS.map((c, b) => Math.max(0, whole[0]![c] - less.reduce((a, r) => a + r[DURATION_BIN_COLUMNS[b]!], 0))));
    });
  });
}

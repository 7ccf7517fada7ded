import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { CSV_PAGE_SIZE } from '../src/api/ledger.js';
import { analyticsSuite, BASE, DAY, HOUR, QUOTED_RULE, type Seed } from './support/analytics-suite.js';
import { STORAGE_DIALECTS } from './support/test-database.js';

// The ledger over known data, on SQLite and on the real PostgreSQL: keyset pages in every sort, filters, the CSV export
// and the API's parameter checks, recomputed here from the seeded tasks (test/support/analytics-suite.ts).
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
    const ctx = analyticsSuite(dialect.name);
    const { get } = ctx;

    const sortKey = { created_at: (s: Seed) => s.created_at, cost_usd: (s: Seed) => s.cost_usd, duration_ms: (s: Seed) => s.duration_ms ?? -1 };
    /** The ctx.seeds' task ids in the ledger's order for a sort (task_id breaking ties the same way). */
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
          expect(got, `${sort} ${order}`).toEqual(ordered(ctx.seeds, sort, order));
          expect(pages).toBe(Math.ceil(ctx.seeds.length / 13));
        }
      }
    });

    it("pages one requester's tasks in every sort, whether the query walks the sort's index (a busy requester) or theirs", async () => {
      const count = (r: string | null) => ctx.seeds.filter((s) => s.requester === r).length;
      const byCount = [...new Set(ctx.seeds.map((s) => s.requester))].filter((r) => r !== null).sort((a, b) => count(b) - count(a) || (a < b ? -1 : 1));
      // The busiest asked for 1 % or more of the finished tasks, so on SQLite the sort's index is walked; one nobody
      // asked is unknown to the rollups and keeps the requester's index. Neither may change the rows.
      for (const requester of [byCount[0]!, byCount.at(-1)!, 'nobody:at-all']) {
        for (const sort of ['created_at', 'cost_usd', 'duration_ms'] as const) {
          for (const order of ['asc', 'desc'] as const) {
            const { got } = await pageAll(`requester=${encodeURIComponent(requester)}&sort=${sort}&order=${order}`, 4);
            expect(got, `${requester} ${sort} ${order}`).toEqual(ordered(ctx.seeds.filter((s) => s.requester === requester), sort, order));
          }
        }
      }
    });

    it('shows who asked, by which rule, what it cost and how it ended', async () => {
      const res = await get('/api/ledger?limit=500&sort=created_at&order=asc');
      const row = res.body.rows.find((r: any) => r.task_id === 'task_0009');
      const s = ctx.seeds.find((x) => x.task_id === 'task_0009')!;
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
      const want = (f: (s: Seed) => boolean) => ctx.seeds.filter(f).sort((a, b) => a.created_at - b.created_at || (a.task_id < b.task_id ? -1 : 1)).map((s) => s.task_id);
      expect(await ids('status=failed,cancelled')).toEqual(want((s) => s.status === 'failed' || s.status === 'cancelled'));
      expect(await ids('outcome=budget,timeout')).toEqual(want((s) => s.outcome === 'budget' || s.outcome === 'timeout'));
      expect(await ids('source=slack')).toEqual(want((s) => s.source === 'slack'));
      expect(await ids('agent=reviewer')).toEqual(want((s) => s.agent === 'reviewer'));
      expect(await ids('model=opus')).toEqual(want((s) => s.model === 'opus'));
      expect(await ids('requester=jira:carol')).toEqual(want((s) => s.requester === 'jira:carol'));
      expect(await ids('rule=builtin:github:review&status=completed')).toEqual(want((s) => s.rule === 'builtin:github:review' && s.status === 'completed'));
      expect(await ids(`conversation_id=${ctx.conversations[0]}`)).toEqual(want((s) => s.conversation_id === ctx.conversations[0]));
      expect(await ids('from=2025-03-02T00:00:00Z&to=2025-03-02T12:00:00Z&source=github')).toEqual(
        want((s) => s.source === 'github' && s.created_at >= BASE + DAY && s.created_at < BASE + DAY + 12 * HOUR),
      );
      // Filters and keyset pages together.
      const first = await get('/api/ledger?source=github&sort=cost_usd&order=desc&limit=10');
      const second = await get(`/api/ledger?source=github&sort=cost_usd&order=desc&limit=10&cursor=${first.body.next_cursor}`);
      const github = ctx.seeds.filter((s) => s.source === 'github').sort((a, b) => b.cost_usd - a.cost_usd || (a.task_id < b.task_id ? 1 : -1));
      expect([...first.body.rows, ...second.body.rows].map((r: any) => r.task_id)).toEqual(github.slice(0, 20).map((s) => s.task_id));
    });

    it('exports the filtered ledger as RFC 4180 CSV', async () => {
      const res = await ctx.app.inject({ method: 'GET', url: '/api/ledger?format=csv&source=github&sort=cost_usd&order=asc' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="ledger-[0-9T-]+\.csv"$/);
      const [header, ...rows] = parseCsv(res.body);
      expect(header).toEqual(['task_id', 'created_at', 'completed_at', 'status', 'outcome', 'cost_usd', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'duration_ms', 'num_turns', 'model', 'agent', 'source', 'requester', 'rule', 'conversation_id']);
      const github = ctx.seeds.filter((s) => s.source === 'github').sort((a, b) => a.cost_usd - b.cost_usd || (a.task_id < b.task_id ? -1 : 1));
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
      for (let i = 0; i < rows.length; i += 500) await ctx.storage.db.insertInto('tasks').values(rows.slice(i, i + 500)).execute();
      const pages = vi.spyOn(ctx.repos.ledger, 'page');
      try {
        const res = await ctx.app.inject({ method: 'GET', url: '/api/ledger?format=csv&source=bulk' });
        expect(res.statusCode).toBe(200);
        const [, ...lines] = parseCsv(res.body);
        expect(lines.map((l) => l[0])).toEqual(rows.map((r) => r.task_id).reverse());
        // Never the whole set at once: one bounded read per page.
        expect(pages.mock.calls.length).toBe(3);
        for (const [q] of pages.mock.calls) expect(q.limit).toBe(CSV_PAGE_SIZE);
      } finally {
        pages.mockRestore();
      }
      const count = await sql<{ n: number }>`select count(*) as n from tasks where source = 'bulk'`.execute(ctx.storage.db);
      expect(Number(count.rows[0]!.n)).toBe(n);
    });
  });
}

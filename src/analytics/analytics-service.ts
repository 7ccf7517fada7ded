import { invalid } from '../domain/errors.js';
import type { BudgetService } from '../budgets/budget-service.js';
import type { AgentsResponse, AnalyticsSummary, CostPoint, CostsQuery, CostsResponse, PullRequestRates, TopConversationsResponse } from '../contracts/analytics.js';
import { quantileFromBins } from '../domain/duration-histogram.js';
import { type Figures, OTHER_KEY, ZERO_FIGURES } from '../storage/repositories/analytics.js';
import type { Repositories } from '../storage/repositories/index.js';
import { bucketStart, DAY_MS, HOUR_MS, nextMonth } from '../storage/rollups.js';

/** The widest ranges a chart may ask for: 400 daily or 31 days of hourly points. */
export const MAX_BUCKETS = { day: 400, hour: 31 * 24 } as const;
/**
 * The most points one answer carries (400 days × 11 series). A long hourly range gives fewer keys a series of their
 * own (the rest stay in `(other)`): more lines than that cannot be told apart on a chart anyway, and it keeps every
 * answer's size and work bounded.
 */
export const MAX_POINTS = 4400;
const DEFAULT_SPAN = { day: 30 * DAY_MS, hour: 24 * HOUR_MS } as const;

const iso = (ms: number) => new Date(ms).toISOString();
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const badQuery = (field: string, message: string) => invalid('query', [`${field}: ${message}`]);

function point(t: string, f: Figures): CostPoint {
  return {
    // In the contract's key order: the answer is written as built (src/api/schemas.ts, asBuilt).
    t,
    tasks: f.tasks,
    successes: f.successes,
    errors: f.failures,
    cost_usd: f.cost_usd,
    input_tokens: f.input_tokens,
    output_tokens: f.output_tokens,
    cache_read_tokens: f.cache_read_tokens,
    cache_creation_tokens: f.cache_creation_tokens,
    mean_duration_ms: f.duration_count > 0 ? Math.round(f.duration_sum_ms / f.duration_count) : null,
    p95_duration_ms: quantileFromBins(f.bins, 0.95, f.duration_count > 0 ? f.duration_max_ms : null),
  };
}

/** A rollup key as the API shows it: '' (the task had no value there) is null. */
const shownKey = (key: string) => (key === '' ? null : key);

/**
 * Analytics answered from the rollups (finished tasks, bucketed by creation time, UTC) plus the live counts of
 * unfinished tasks. Every answer reads a bounded number of rows, whatever the number of tasks.
 */
export class AnalyticsService {
  constructor(
    private readonly repos: Repositories,
    private readonly budgets: BudgetService,
    private readonly clock: () => number = Date.now,
  ) {}

  async summary(): Promise<AnalyticsSummary> {
    const now = this.clock();
    const day = bucketStart('day', now);
    const todayRange = { granularity: 'day', from: day, to: day + 1 } as const;
    const [today, total, todayRefused, totalRefused, live, budgets] = await Promise.all([
      this.repos.analytics.sum({ ...todayRange, dim: 'all' }),
      this.repos.analytics.sum({ granularity: 'total', dim: 'all' }),
      this.repos.analytics.sum({ ...todayRange, dim: 'outcome', key: 'budget' }),
      this.repos.analytics.sum({ granularity: 'total', dim: 'outcome', key: 'budget' }),
      this.repos.analytics.unfinished(day),
      this.budgets.states(),
    ]);
    // A budget's refusal is its own outcome, not a failure: the task never ran, so the success rate leaves it out.
    const totals = (f: Figures, refused: Figures, unfinished: number) => ({
      cost_usd: f.cost_usd,
      tasks: f.tasks + unfinished,
      finished: f.tasks,
      budget_refused: refused.tasks,
      success_rate: ratio(f.successes, f.tasks - refused.tasks),
    });
    return {
      today: totals(today, todayRefused, live.since),
      total: totals(total, totalRefused, live.total),
      /** success / finished tasks that ran (budget refusals left out), over all time. */
      success_rate: ratio(total.successes, total.tasks - totalRefused.tasks),
      running: live.running,
      queued: live.queued,
      waiting_approval: live.waiting_approval,
      budgets,
      generated_at: iso(now),
    };
  }

  async costs(q: CostsQuery): Promise<CostsResponse> {
    const { granularity } = q;
    const size = granularity === 'hour' ? HOUR_MS : DAY_MS;
    const now = this.clock();
    const to = Math.ceil((q.to ?? now + 1) / size) * size;
    const from = bucketStart(granularity, q.from ?? to - DEFAULT_SPAN[granularity]);
    if (from >= to) throw badQuery('from', 'must be before to');
    const buckets = (to - from) / size;
    if (buckets > MAX_BUCKETS[granularity]) {
      const most = granularity === 'hour' ? '31 days of hourly points' : '400 days of daily points';
      throw badQuery('from', `the range from..to spans ${buckets} ${granularity}s; at most ${most} can be asked for at once`);
    }
    const dim = q.group_by ?? 'all';
    let keys = [''];
    let other = false;
    const top = Math.min(q.top, Math.max(1, Math.floor(MAX_POINTS / buckets) - 1));
    if (q.group_by) {
      // Which keys get a series of their own is decided over the whole UTC days the range touches, or for a range
      // of more than two months the whole calendar months: a few thousand rollup rows at most, whatever the range.
      // The (other) series keeps every figure exact either way.
      const long = to - from > 62 * DAY_MS;
      const ranking = long
        ? { granularity: 'month' as const, from: bucketStart('month', from), to: nextMonth(to - 1) }
        : { granularity: 'day' as const, from: bucketStart('day', from), to: Math.ceil(to / DAY_MS) * DAY_MS };
      const ranked = await this.repos.analytics.rank({ ...ranking, dim, limit: top + 1 });
      keys = ranked.slice(0, top);
      other = ranked.length > top;
    }
    const seriesKeys = other ? [...keys, OTHER_KEY] : keys;
    // Dense points, every bucket of every series (empty ones are zeros), placed by position as the rows are read.
    const times = Array.from({ length: buckets }, (_, i) => iso(from + i * size));
    const position = new Map(seriesKeys.map((key, s) => [key, s]));
    const points = seriesKeys.map(() => new Array<CostPoint>(buckets));
    await this.repos.analytics.series({ granularity, dim, from, to, keys, other }, (bucket, key, figures) => {
      const s = position.get(key);
      const i = (bucket - from) / size;
      if (s !== undefined && i >= 0 && i < buckets) points[s]![i] = point(times[i]!, figures);
    });
    for (const list of points) for (let i = 0; i < buckets; i++) list[i] ??= point(times[i]!, ZERO_FIGURES);
    return {
      granularity,
      group_by: q.group_by ?? null,
      /** How many keys got a series of their own (`top`, fewer for long hourly ranges: see MAX_POINTS). */
      top: q.group_by ? top : null,
      from: iso(from),
      to: iso(to),
      series: seriesKeys.map((key, s) => ({ key: q.group_by ? shownKey(key) : 'all', points: points[s]! })),
    };
  }

  /** Per agent (null: the default agent): runs, success rate, cost, tokens, durations. All time, or whole UTC days. */
  async agents(range: { from?: number; to?: number }): Promise<AgentsResponse> {
    const ranged = range.from !== undefined || range.to !== undefined;
    const to = ranged ? Math.ceil((range.to ?? this.clock() + 1) / DAY_MS) * DAY_MS : undefined;
    const from = ranged ? bucketStart('day', range.from ?? 0) : undefined;
    if (from !== undefined && to !== undefined && from >= to) throw badQuery('from', 'must be before to');
    const rows = await this.repos.analytics.byKey(ranged ? { granularity: 'day', dim: 'agent', from, to } : { granularity: 'total', dim: 'agent' });
    return {
      from: from === undefined ? null : iso(from),
      to: to === undefined ? null : iso(to),
      agents: rows.map(({ key, figures: f }) => {
        const { cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, mean_duration_ms, p95_duration_ms } = point('', f);
        const figures = { cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, mean_duration_ms, p95_duration_ms };
        return { agent: shownKey(key), runs: f.tasks, successes: f.successes, failures: f.failures, success_rate: ratio(f.successes, f.tasks), ...figures };
      }),
    };
  }

  async conversations(limit: number): Promise<TopConversationsResponse> {
    const rows = await this.repos.analytics.topConversations(limit);
    return {
      conversations: rows.map((r) => ({
        conversation_id: r.conversation_id,
        title: r.title,
        source: r.source,
        tasks: Number(r.task_count),
        cost_usd: Number(r.total_cost_usd),
        last_activity: iso(Number(r.updated_at)),
        archived: r.archived === 1,
      })),
    };
  }

  /** The merge rate of the pull requests the service opened, per agent and command (most opened first). */
  async pullRequests(): Promise<PullRequestRates> {
    const groups = new Map<string, PullRequestRates['rows'][number]>();
    for (const { agent, command, state, n } of await this.repos.pullRequests.countsByAgentAndCommand()) {
      const key = JSON.stringify([agent, command]);
      const row = groups.get(key) ?? { agent, command, opened: 0, merged: 0, closed: 0, open: 0, merge_rate: null };
      row.opened += n;
      if (state === 'merged' || state === 'closed' || state === 'open') row[state] += n;
      groups.set(key, row);
    }
    const rows = [...groups.values()].map((r) => ({ ...r, merge_rate: ratio(r.merged, r.opened) }));
    return { rows: rows.sort((a, b) => b.opened - a.opened) };
  }
}

import type { BudgetState } from '../contracts/budgets.js';
import type { Repositories } from '../storage/repositories/index.js';
import { DAY_MS, bucketStart, type RollupDim } from '../storage/rollups.js';
import type { BudgetRow, TaskRow } from '../storage/schema.js';

export type Admission =
  | {
      ok: true;
      /** The smallest amount any limit leaves this run (null: no limit applies); Claude Code stops the run past it. */
      maxBudgetUsd: number | null;
      /** Which limit that amount comes from, for the task's error when the run is stopped by it. */
      limitedBy: string | null;
    }
  | { ok: false; reason: string };

export type { BudgetState };

const usd = (n: number) => `$${n.toFixed(2)}`;
// Claude Code is handed at most six decimals; anything smaller than that left over counts as spent.
const floor6 = (n: number) => Math.floor(n * 1e6 + 1e-6) / 1e6;

export function describeBudget(b: Pick<BudgetRow, 'scope' | 'key' | 'period'>): string {
  if (b.scope === 'global') return 'global daily budget';
  if (b.scope === 'task') return 'per-task budget';
  return `daily budget for ${b.scope} ${b.key}`;
}

/**
 * Decides whether a task may start under the spending limits and how much its run may spend. Daily limits count the
 * cost of finished tasks created today (UTC), read from the day rollups (one primary-key read per limit). Runs in
 * flight are not counted until they finish, so parallel runs can together pass a daily limit by at most what each
 * was allowed; each run is still capped at what was left when it started.
 */
export class BudgetService {
  constructor(
    private readonly repos: Pick<Repositories, 'budgets' | 'analytics'>,
    private readonly clock: () => number = Date.now,
  ) {}

  async admit(task: TaskRow): Promise<Admission> {
    const now = this.clock();
    let best: { amount: number; why: string } | null = null;
    const consider = (amount: number, why: string) => {
      if (!best || amount < best.amount) best = { amount, why };
    };
    if (task.budget_usd !== null && Number(task.budget_usd) > 0) consider(Number(task.budget_usd), `the task's own budget of ${usd(Number(task.budget_usd))}`);
    for (const b of await this.repos.budgets.applicable(task)) {
      const limit = Number(b.limit_usd);
      if (b.period === 'task') {
        consider(limit, `the ${describeBudget(b)} of ${usd(limit)}`);
        continue;
      }
      const spent = await this.spentToday(b, now);
      if (floor6(limit - spent) <= 0) return { ok: false, reason: `${describeBudget(b)} is spent: ${usd(spent)} of ${usd(limit)} (resets at 00:00 UTC)` };
      consider(limit - spent, `what was left of the ${describeBudget(b)} (${usd(limit - spent)} of ${usd(limit)})`);
    }
    const chosen = best as { amount: number; why: string } | null;
    return { ok: true, maxBudgetUsd: chosen ? floor6(chosen.amount) : null, limitedBy: chosen?.why ?? null };
  }

  /** Every budget with today's spending, for the API and the analytics summary. */
  async states(): Promise<BudgetState[]> {
    const now = this.clock();
    return Promise.all((await this.repos.budgets.list()).map((b) => this.state(b, now)));
  }

  async state(b: BudgetRow, now = this.clock()): Promise<BudgetState> {
    const daily = b.period === 'day';
    const spent = daily ? await this.spentToday(b, now) : null;
    const limit = Number(b.limit_usd);
    return {
      budget_id: b.budget_id,
      scope: b.scope as BudgetState['scope'],
      key: b.key,
      period: b.period as BudgetState['period'],
      limit_usd: limit,
      spent_usd: spent,
      remaining_usd: spent === null ? null : Math.max(0, limit - spent),
      enabled: b.enabled === 1,
      resets_at: daily ? new Date(bucketStart('day', now) + DAY_MS).toISOString() : null,
      created_at: new Date(Number(b.created_at)).toISOString(),
      updated_at: new Date(Number(b.updated_at)).toISOString(),
    };
  }

  private async spentToday(b: BudgetRow, now: number): Promise<number> {
    const day = bucketStart('day', now);
    const dim: RollupDim = b.scope === 'global' ? 'all' : (b.scope as RollupDim);
    const figures = await this.repos.analytics.sum({ granularity: 'day', dim, from: day, to: day + 1, key: b.scope === 'global' ? '' : (b.key ?? '') });
    return figures.cost_usd;
  }
}

import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.js';
import type { BudgetRow, Database } from '../schema.js';

export const BUDGET_SCOPES = ['global', 'source', 'requester', 'rule', 'task'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];
export type BudgetPeriod = 'day' | 'task';

export interface NewBudget {
  scope: BudgetScope;
  key: string | null;
  limit_usd: number;
  period: BudgetPeriod;
  enabled: boolean;
}

export interface BudgetPatch {
  key?: string | null;
  limit_usd?: number;
  enabled?: boolean;
}

export class BudgetRepository {
  constructor(private readonly db: Kysely<Database>) {}

  create(b: NewBudget, now = Date.now()): Promise<BudgetRow> {
    return this.db
      .insertInto('budgets')
      .values({ budget_id: newId('budget'), scope: b.scope, key: b.key, limit_usd: b.limit_usd, period: b.period, enabled: b.enabled ? 1 : 0, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  get(id: string): Promise<BudgetRow | undefined> {
    return this.db.selectFrom('budgets').selectAll().where('budget_id', '=', id).executeTakeFirst();
  }

  list(): Promise<BudgetRow[]> {
    return this.db.selectFrom('budgets').selectAll().orderBy('created_at').orderBy('budget_id').execute();
  }

  /** The enabled budgets that can apply to a task with these attributes. */
  applicable(task: { source: string; requester: string | null; rule: string | null }): Promise<BudgetRow[]> {
    return this.db
      .selectFrom('budgets')
      .selectAll()
      .where('enabled', '=', 1)
      .where((eb) =>
        eb.or([
          eb('scope', 'in', ['global', 'task']),
          eb.and([eb('scope', '=', 'source'), eb('key', '=', task.source)]),
          ...(task.requester ? [eb.and([eb('scope', '=', 'requester'), eb('key', '=', task.requester)])] : []),
          ...(task.rule ? [eb.and([eb('scope', '=', 'rule'), eb('key', '=', task.rule)])] : []),
        ]),
      )
      .orderBy('created_at')
      .orderBy('budget_id')
      .execute();
  }

  update(id: string, patch: BudgetPatch, now = Date.now()): Promise<BudgetRow | undefined> {
    return this.db
      .updateTable('budgets')
      .set({
        ...(patch.key !== undefined ? { key: patch.key } : {}),
        ...(patch.limit_usd !== undefined ? { limit_usd: patch.limit_usd } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
        updated_at: now,
      })
      .where('budget_id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('budgets').where('budget_id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.js';
import type { BudgetRow, Database } from '../schema.js';
import { preparedByShape } from '../prepared.js';

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
  async applicable(task: { source: string; requester: string | null; rule: string | null }): Promise<BudgetRow[]> {
    // Every task is admitted through this: compiled once per shape (with or without requester and rule).
    const shape = `${task.requester ? 'requester' : ''},${task.rule ? 'rule' : ''}`;
    return (await applicableBudgets.execute(this.db, shape, { source: task.source, requester: task.requester ?? '', rule: task.rule ?? '' })).rows;
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

const applicableBudgets = preparedByShape<{ source: string; requester: string; rule: string }>()((db, value, shape) =>
  db
    .selectFrom('budgets')
    .selectAll()
    .where('enabled', '=', 1)
    .where((eb) =>
      eb.or([
        eb('scope', 'in', ['global', 'task']),
        eb.and([eb('scope', '=', 'source'), eb('key', '=', value('source'))]),
        ...(shape.includes('requester') ? [eb.and([eb('scope', '=', 'requester'), eb('key', '=', value('requester'))])] : []),
        ...(shape.includes('rule') ? [eb.and([eb('scope', '=', 'rule'), eb('key', '=', value('rule'))])] : []),
      ]),
    )
    .orderBy('created_at')
    .orderBy('budget_id'),
);

import { z } from 'zod';

export const BUDGET_SCOPES = ['global', 'source', 'requester', 'rule', 'task'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];

const money = z.number().positive('must be more than 0').max(1_000_000);
const budgetKey = z.string().trim().min(1).max(300);

/** `key` is required for source/requester/rule and absent for global/task; `period` follows from the scope. */
export const BudgetCreate = z
  .object({
    scope: z.enum(BUDGET_SCOPES),
    key: budgetKey.nullable().optional(),
    limit_usd: money,
    period: z.enum(['day', 'task']).optional(),
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((b, ctx) => {
    const keyed = b.scope === 'source' || b.scope === 'requester' || b.scope === 'rule';
    if (keyed && !b.key) ctx.addIssue({ code: 'custom', path: ['key'], message: `is required for scope ${b.scope}` });
    if (!keyed && b.key) ctx.addIssue({ code: 'custom', path: ['key'], message: `must be null for scope ${b.scope}` });
    const period = b.scope === 'task' ? 'task' : 'day';
    if (b.period && b.period !== period) ctx.addIssue({ code: 'custom', path: ['period'], message: `must be '${period}' for scope ${b.scope}` });
  })
  .transform((b) => ({ ...b, key: b.key ?? null, period: b.scope === 'task' ? ('task' as const) : ('day' as const) }))
  .meta({ title: 'budget' });
export type BudgetCreate = z.infer<typeof BudgetCreate>;

export const BudgetPatch = z
  .object({ key: budgetKey.nullable().optional(), limit_usd: money.optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((p) => p.key !== undefined || p.limit_usd !== undefined || p.enabled !== undefined, 'nothing to change: send limit_usd, enabled or key')
  .meta({ title: 'budget' });
export type BudgetPatch = z.infer<typeof BudgetPatch>;

/** A budget with today's spending (see BudgetService). */
export const BudgetState = z.object({
  budget_id: z.string(),
  scope: z.enum(BUDGET_SCOPES),
  key: z.string().nullable(),
  period: z.enum(['day', 'task']),
  limit_usd: z.number(),
  /** Today's spending (UTC) for a daily budget; null for a per-task one. */
  spent_usd: z.number().nullable(),
  remaining_usd: z.number().nullable(),
  enabled: z.boolean(),
  resets_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type BudgetState = z.infer<typeof BudgetState>;

export const BudgetList = z.object({ budgets: z.array(BudgetState) });

import { z } from 'zod';
import { OUTCOMES } from '../domain/outcome.js';
import { TASK_STATUSES } from '../domain/task-status.js';

// A date (`2026-01-31`, UTC midnight) or a date-time with its offset (`2026-01-31T12:00:00Z`): a time without an
// offset would be read in the server's local zone, so it is refused.
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
export const IsoTime = z
  .string()
  .refine((v) => ISO.test(v) && !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date or date-time with offset, e.g. 2026-01-31 or 2026-01-31T12:00:00Z')
  .transform((v) => Date.parse(v));

const csv = <T extends z.ZodTypeAny>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').filter(Boolean) : v), z.array(item).min(1));
const text = z.string().min(1).max(300);

export const GROUP_BY = ['agent', 'model', 'source', 'requester', 'rule', 'outcome'] as const;

export const CostsQuery = z.object({
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  granularity: z.enum(['hour', 'day']).default('day'),
  group_by: z.enum(GROUP_BY).optional(),
  /** Grouped series beyond the `top` most expensive are summed into one `(other)` series. */
  top: z.coerce.number().int().min(1).max(20).default(10),
});
export type CostsQuery = z.infer<typeof CostsQuery>;

export const RangeQuery = z.object({ from: IsoTime.optional(), to: IsoTime.optional() });

export const TopConversationsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) });

export const LedgerQuery = z.object({
  status: csv(z.enum(TASK_STATUSES)).optional(),
  outcome: csv(z.enum(OUTCOMES)).optional(),
  source: text.optional(),
  agent: text.optional(),
  model: text.optional(),
  requester: text.optional(),
  rule: text.optional(),
  conversation_id: text.optional(),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  sort: z.enum(['created_at', 'cost_usd', 'duration_ms']).default('created_at'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(1000).optional(),
  format: z.enum(['json', 'csv']).default('json'),
});
export type LedgerQuery = z.infer<typeof LedgerQuery>;

const money = z.number().positive('must be more than 0').max(1_000_000);
const budgetKey = z.string().trim().min(1).max(300);

/** `key` is required for source/requester/rule and absent for global/task; `period` follows from the scope. */
export const BudgetCreate = z
  .object({
    scope: z.enum(['global', 'source', 'requester', 'rule', 'task']),
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
  .transform((b) => ({ ...b, key: b.key ?? null, period: b.scope === 'task' ? ('task' as const) : ('day' as const) }));
export type BudgetCreate = z.infer<typeof BudgetCreate>;

export const BudgetPatch = z
  .object({ key: budgetKey.nullable().optional(), limit_usd: money.optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((p) => p.key !== undefined || p.limit_usd !== undefined || p.enabled !== undefined, 'nothing to change: send limit_usd, enabled or key');
export type BudgetPatch = z.infer<typeof BudgetPatch>;

import { z } from 'zod';
import { BudgetState } from './budgets.js';

// A date (`2026-01-31`, UTC midnight) or a date-time with its offset (`2026-01-31T12:00:00Z`): a time without an
// offset would be read in the server's local zone, so it is refused.
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
export const IsoTime = z
  .string()
  .refine((v) => ISO.test(v) && !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date or date-time with offset, e.g. 2026-01-31 or 2026-01-31T12:00:00Z')
  .transform((v) => Date.parse(v));

export const GRANULARITIES = ['hour', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export const GROUP_BY = ['agent', 'model', 'source', 'requester', 'rule', 'outcome'] as const;

export const CostsQuery = z.object({
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  granularity: z.enum(GRANULARITIES).default('day'),
  group_by: z.enum(GROUP_BY).optional(),
  /** Grouped series beyond the `top` most expensive are summed into one `(other)` series. */
  top: z.coerce.number().int().min(1).max(20).default(10),
});
export type CostsQuery = z.infer<typeof CostsQuery>;

export const RangeQuery = z.object({ from: IsoTime.optional(), to: IsoTime.optional() });

export const TopConversationsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) });


const Figure = {
  cost_usd: z.number(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cache_read_tokens: z.number(),
  cache_creation_tokens: z.number(),
  mean_duration_ms: z.number().nullable(),
  p95_duration_ms: z.number().nullable(),
};

/** `budget_refused`: finished tasks a budget turned away (outcome `budget`); `success_rate` leaves them out. */
const Totals = z.object({ cost_usd: z.number(), tasks: z.number(), finished: z.number(), budget_refused: z.number(), success_rate: z.number().nullable() });

export const AnalyticsSummary = z.object({
  today: Totals,
  total: Totals,
  /** success / finished tasks that ran (budget refusals left out), over all time. */
  success_rate: z.number().nullable(),
  running: z.number(),
  queued: z.number(),
  waiting_approval: z.number(),
  budgets: z.array(BudgetState),
  generated_at: z.string(),
});
export type AnalyticsSummary = z.infer<typeof AnalyticsSummary>;

export const CostPoint = z.object({ t: z.string(), tasks: z.number(), successes: z.number(), errors: z.number(), ...Figure });
export type CostPoint = z.infer<typeof CostPoint>;

export const CostSeries = z.object({ key: z.string().nullable(), points: z.array(CostPoint) });
export type CostSeries = z.infer<typeof CostSeries>;

export const CostsResponse = z.object({
  granularity: z.enum(GRANULARITIES),
  group_by: z.enum(GROUP_BY).nullable(),
  /** How many keys got a series of their own (fewer for long hourly ranges); null when not grouped. */
  top: z.number().nullable(),
  from: z.string(),
  to: z.string(),
  series: z.array(CostSeries),
});
export type CostsResponse = z.infer<typeof CostsResponse>;

export const AgentFigures = z.object({
  agent: z.string().nullable(),
  runs: z.number(),
  successes: z.number(),
  failures: z.number(),
  success_rate: z.number().nullable(),
  ...Figure,
});
export type AgentFigures = z.infer<typeof AgentFigures>;

export const AgentsResponse = z.object({ from: z.string().nullable(), to: z.string().nullable(), agents: z.array(AgentFigures) });
export type AgentsResponse = z.infer<typeof AgentsResponse>;

export const TopConversation = z.object({
  conversation_id: z.string(),
  title: z.string(),
  source: z.string(),
  tasks: z.number(),
  cost_usd: z.number(),
  last_activity: z.string(),
  archived: z.boolean(),
});
export const TopConversationsResponse = z.object({ conversations: z.array(TopConversation) });
export type TopConversationsResponse = z.infer<typeof TopConversationsResponse>;

/** The pull requests the service opened, per agent and command: how many, what became of them, the merge rate. */
export const PullRequestRate = z.object({
  agent: z.string().nullable(),
  command: z.string().nullable(),
  opened: z.number(),
  merged: z.number(),
  closed: z.number(),
  open: z.number(),
  /** merged / opened. */
  merge_rate: z.number().nullable(),
});
export const PullRequestRates = z.object({ rows: z.array(PullRequestRate) });
export type PullRequestRates = z.infer<typeof PullRequestRates>;

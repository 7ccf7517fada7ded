import { z } from 'zod';
import { OUTCOMES } from '../domain/outcome.js';
import { TASK_STATUSES } from '../domain/task-status.js';
import { IsoTime } from './analytics.js';
import { csv } from './common.js';

const text = z.string().min(1).max(300);

export const LEDGER_SORTS = ['created_at', 'cost_usd', 'duration_ms'] as const;
export type LedgerSort = (typeof LEDGER_SORTS)[number];
export const LEDGER_ORDERS = ['asc', 'desc'] as const;
export type LedgerOrder = (typeof LEDGER_ORDERS)[number];

export const LedgerQuery = z.object({
  status: csv(z.enum(TASK_STATUSES), 1).optional(),
  outcome: csv(z.enum(OUTCOMES), 1).optional(),
  source: text.optional(),
  agent: text.optional(),
  model: text.optional(),
  requester: text.optional(),
  rule: text.optional(),
  conversation_id: text.optional(),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  sort: z.enum(LEDGER_SORTS).default('created_at'),
  order: z.enum(LEDGER_ORDERS).default('desc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(1000).optional(),
  format: z.enum(['json', 'csv']).default('json'),
});
export type LedgerQuery = z.infer<typeof LedgerQuery>;


/** One task as the ledger lists it (and as each CSV line carries it). */
export const LedgerRow = z.object({
  task_id: z.string(),
  created_at: z.string(),
  /** With completed_at, the task's wall time; null for a task that never started (refused, cancelled while queued). */
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  status: z.enum(TASK_STATUSES),
  outcome: z.enum(OUTCOMES).nullable(),
  cost_usd: z.number(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cache_read_tokens: z.number(),
  cache_creation_tokens: z.number(),
  duration_ms: z.number().nullable(),
  num_turns: z.number(),
  model: z.string().nullable(),
  agent: z.string().nullable(),
  source: z.string(),
  requester: z.string().nullable(),
  rule: z.string().nullable(),
  conversation_id: z.string().nullable(),
});
export type LedgerRow = z.infer<typeof LedgerRow>;

export const LedgerPage = z.object({ rows: z.array(LedgerRow), next_cursor: z.string().nullable() });
export type LedgerPage = z.infer<typeof LedgerPage>;

/** `format=csv`: the filtered set as RFC 4180 text, one line per row in LedgerRow's field order. */
export const LedgerCsv = z.string().describe('text/csv: a header line, then one line per task');

import type { Selectable } from 'kysely';
import type { DurationBinColumn } from '../../domain/duration-histogram.js';
import type { Flag } from './columns.js';

// Rollups of finished tasks and spending limits.

/** What a rollup row sums of its finished tasks (the duration histogram aside). */
export interface RollupFigures {
  tasks: number;
  successes: number;
  failures: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  num_turns: number;
  duration_count: number;
  duration_sum_ms: number;
  duration_max_ms: number;
}

/**
 * Finished tasks summed per time bucket and dimension (see src/storage/rollups.ts): `granularity` hour | day | month | total
 * (bucket 0), `dim` all | agent | model | source | requester | rule | outcome, `key` the dimension's value ('' when
 * unset). Kept by increments in the transaction that finishes a task; `d00`…`d23` count durations per bin.
 */
export interface TaskRollupTable extends Record<DurationBinColumn, number>, RollupFigures {
  granularity: string;
  dim: string;
  bucket: number;
  key: string;
}

export type TaskRollupRow = Selectable<TaskRollupTable>;

/** A spending limit: per UTC day for global/source/requester/rule, per run for `task`. */
export interface BudgetTable {
  budget_id: string;
  scope: string;
  key: string | null;
  limit_usd: number;
  period: string;
  enabled: Flag;
  created_at: number;
  updated_at: number;
}

export type BudgetRow = Selectable<BudgetTable>;

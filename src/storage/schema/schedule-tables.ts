// Scheduled rules and alert storms (issue 15 items 7 and 4; migration 0009); a run's durable after-run steps (0013).
import type { Selectable } from 'kysely';

/** One firing of a scheduled rule: the key (rule, slot) is unique, so each slot fires once across every process. */
export interface ScheduleFiringTable {
  command_id: string;
  /** The slot's time (epoch ms) as the rule's cron expression names it. */
  slot: number;
  task_id: string;
  fired_at: number;
}

/** The task a storm of deliveries joins while that task is queued or running. */
export interface TaskStormTable {
  storm_key: string;
  task_id: string;
  opened_at: number;
  last_at: number;
}

/** A durable step after a webhook run (migration 0013; src/flows/after-run-steps.ts): one row per task and step. */
export interface AfterRunStepTable {
  task_id: string;
  step: string;
  status: string;
  attempts: number;
  next_at: number;
  claimed_by: string | null;
  claimed_until: number | null;
  progress: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export type AfterRunStepRow = Selectable<AfterRunStepTable>;

// Scheduled rules and alert storms (issue 15 items 7 and 4; migration 0009).

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

export const TASK_STATUSES = ['waiting_approval', 'queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const FINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * The one place that says which status changes are legal. `running → queued` exists only for a run that was
 * interrupted (service crash or shutdown) and gets its single retry; everything final stays final.
 */
const TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  waiting_approval: ['queued', 'cancelled'],
  queued: ['running', 'cancelled', 'failed'],
  running: ['completed', 'failed', 'cancelled', 'queued'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses a task may be in for a move to `to` to be legal (used as the WHERE of a conditional update). */
export function sourcesOf(to: TaskStatus): TaskStatus[] {
  return TASK_STATUSES.filter((from) => canTransition(from, to));
}

export function isFinal(status: TaskStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly taskId: string,
    readonly from: TaskStatus | undefined,
    readonly to: TaskStatus,
  ) {
    super(`task ${taskId} cannot go from ${from ?? 'unknown'} to ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

import type { MoveName } from '../domain/task-status.js';
import type { Logger } from '../logger.js';
import type { TaskRepository } from '../storage/repositories/tasks.js';
import type { TaskRow, TaskUpdate } from '../storage/schema.js';

type Tasks = Pick<TaskRepository, 'settle' | 'get'>;

/**
 * Records how an attempt ended, conditional on its fencing id. Returns the row to report (publish, post back), or
 * undefined when the attempt no longer owns the task: its worker was presumed dead and the task recovered (and
 * perhaps run again) meanwhile, so this late result is discarded and logged, never recorded or reported twice. A
 * settle whose commit was retried over a lost connection finds its own write already there, and reports it.
 */
export async function settleAttempt(tasks: Tasks, attempt: TaskRow, move: MoveName, patch: TaskUpdate, log: Logger): Promise<TaskRow | undefined> {
  const row = await tasks.settle(attempt.task_id, move, patch, attempt.fence_id);
  if (row) return row;
  const now = await tasks.get(attempt.task_id);
  if (now && now.fence_id === attempt.fence_id && now.status !== 'running' && now.status !== 'queued') return now;
  log.warn(
    { task_id: attempt.task_id, fence_id: attempt.fence_id, status_now: now?.status, fence_now: now?.fence_id, worker_now: now?.worker_id },
    'late result of an attempt presumed dead: discarded (the task was recovered and belongs to a newer attempt)',
  );
  return undefined;
}

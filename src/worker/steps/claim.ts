import type { TaskRow } from '../../storage/schema.js';
import type { WorkerDeps } from '../run-context.js';

/**
 * The claim step: takes a queued task for this worker, in one conditional write (no read before it: the write says
 * whether the task was still queued). Nothing is claimed when another worker took it, a cancel was recorded first,
 * or its conversation has a run going (the task then waits for that run to hand over). Every claim goes through
 * here, so a limit or a fence on claims is added in one place.
 */
export async function claimTask(deps: Pick<WorkerDeps, 'repos' | 'config' | 'log' | 'limits'>, workerId: string, taskId: string): Promise<TaskRow | 'limited' | undefined> {
  const { repos, config, log } = deps;
  const now = Date.now();
  // The attempt is counted up, and the model the run uses recorded (so analytics group default-model tasks under
  // their real model), by the claim's own statement.
  const claim = { started_at: now, heartbeat_at: now, worker_id: workerId, defaultModel: config.DEFAULT_MODEL };
  // A cluster-wide limit reached: the task stays queued, and the queue offers it again shortly.
  const { row, blockedBy, limitedBy } = await repos.tasks.claim(taskId, claim, now, deps.limits);
  if (limitedBy) log.debug({ task_id: taskId, limited_by: limitedBy }, 'limit reached: the task waits');
  if (limitedBy) return 'limited';
  if (blockedBy) log.debug({ task_id: taskId, blocked_by: blockedBy }, 'conversation busy: the task waits for the run before it');
  return row;
}

import type { TaskRow } from '../../storage/schema.js';
import type { WorkerDeps } from '../run-context.js';

/**
 * The claim step: takes a queued task for this worker, in one conditional write. Nothing is claimed when another
 * worker took it, a cancel was recorded first, or its conversation has a run going (the task then waits for that run
 * to hand over). Every claim goes through here, so a limit or a fence on claims is added in one place.
 */
export async function claimTask(deps: Pick<WorkerDeps, 'repos' | 'config' | 'log' | 'limits'>, workerId: string, taskId: string): Promise<TaskRow | 'limited' | undefined> {
  const { repos, config, log } = deps;
  const queued = await repos.tasks.get(taskId);
  if (queued?.status !== 'queued') return undefined; // cancelled while waiting, or already taken
  const now = Date.now();
  const claim = {
    started_at: now,
    heartbeat_at: now,
    worker_id: workerId,
    attempts: Number(queued.attempts) + 1,
    // Record the model the run uses, so analytics group default-model tasks under their real model.
    model: queued.model ?? config.DEFAULT_MODEL,
  };
  // A cluster-wide limit reached: the task stays queued, and the queue offers it again shortly.
  const { row, blockedBy, limitedBy } = await repos.tasks.claim(taskId, claim, now, deps.limits);
  if (limitedBy) log.debug({ task_id: taskId, limited_by: limitedBy }, 'limit reached: the task waits');
  if (limitedBy) return 'limited';
  if (blockedBy) log.debug({ task_id: taskId, blocked_by: blockedBy }, 'conversation busy: the task waits for the run before it');
  return row;
}

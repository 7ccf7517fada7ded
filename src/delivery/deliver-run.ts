import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import { threadMetadata } from '../webhooks/thread-task.js';
import { codeHostFor, type DeliveryDeps } from './code-host.js';
import { openPullRequest } from './pull-requests.js';

/**
 * The worker's post-run step (WorkerDeps.afterRun) for webhook tasks whose thread has a repository (a code host: the
 * thread's own, or a Jira project's): the run's review file becomes a review of the pull request it was asked about
 * (where the host has line reviews), and files it changed become a draft pull or merge request (or a push to the
 * branch of one the service opened, or one stacked on someone else's). The task links it, so the post-back that
 * follows names it in the thread. A failure is kept on the task (post_back_error), never fails it.
 */
export function deliverRun(deps: DeliveryDeps): (task: TaskRow) => Promise<boolean> {
  return async (task) => {
    const meta = threadMetadata(task);
    const host = meta?.target ? codeHostFor(deps, meta.target) : undefined;
    if (!host || !task.working_dir) return false; // nothing to deliver: the task row stays as it was
    try {
      if (host.threadNumber !== undefined) await host.review?.(task);
      if (host.delivers) await openPullRequest(deps, task, host, { command: meta?.command });
    } catch (err) {
      deps.log.warn({ err, task_id: task.task_id }, 'delivering the run\'s changes failed');
      await recordFailure(deps.repos, task, `delivering the run's changes to ${host.repository} failed: ${(err as Error).message}`);
    }
    return true;
  };
}

async function recordFailure(repos: Repositories, task: TaskRow, message: string): Promise<void> {
  await repos.tasks.update(task.task_id, { post_back_error: message }).catch(() => undefined);
}

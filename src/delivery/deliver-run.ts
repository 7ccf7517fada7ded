import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import { threadMetadata } from '../webhooks/thread-task.js';
import { type DeliveryDeps, openPullRequest } from './pull-requests.js';
import { postReview } from './review.js';

/**
 * The worker's post-run step (WorkerDeps.afterRun) for webhook tasks from GitHub: the run's review file becomes a
 * review of the pull request it was asked about, and files it changed become a draft pull request (or a push to the
 * branch of the service's pull request it was asked in). The task links the pull request, so the post-back that
 * follows names it in the thread. A failure is kept on the task (post_back_error), never fails it.
 */
export function deliverRun(deps: DeliveryDeps): (task: TaskRow) => Promise<void> {
  return async (task) => {
    const meta = threadMetadata(task);
    const target = meta?.target;
    if (target?.provider !== 'github' || !task.working_dir) return;
    const repository = { owner: target.owner, repo: target.repo, installationId: target.installationId };
    try {
      if (target.isPullRequest && deps.github) await postReview(deps.github, task, repository, target.issueNumber);
      if (deps.config.GITHUB_PULL_REQUESTS) {
        const pullNumber = target.isPullRequest ? target.issueNumber : undefined;
        await openPullRequest(deps, task, repository, { pullNumber, command: meta?.command });
      }
    } catch (err) {
      deps.log.warn({ err, task_id: task.task_id }, 'delivering the run\'s changes failed');
      await recordFailure(deps.repos, task, `delivering the run's changes to GitHub failed: ${(err as Error).message}`);
    }
  };
}

async function recordFailure(repos: Repositories, task: TaskRow, message: string): Promise<void> {
  await repos.tasks.update(task.task_id, { post_back_error: message }).catch(() => undefined);
}

import { jiraRepository } from '../flows/jira-repository.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import type { PostBackTarget } from '../webhooks/providers/types.js';
import { threadMetadata } from '../webhooks/thread-task.js';
import { type DeliveryDeps, type GithubRepository, openPullRequest } from './pull-requests.js';
import { postReview } from './review.js';

/**
 * The worker's post-run step (WorkerDeps.afterRun) for webhook tasks from GitHub, and from Jira issues whose project
 * has a repository: the run's review file becomes a review of the pull request it was asked about, and files it
 * changed become a draft pull request (or a push to the branch of the service's pull request it was asked in). The task links the pull request, so the post-back that
 * follows names it in the thread. A failure is kept on the task (post_back_error), never fails it.
 */
export function deliverRun(deps: DeliveryDeps): (task: TaskRow) => Promise<void> {
  return async (task) => {
    const meta = threadMetadata(task);
    const target = meta?.target;
    const repository = repositoryOf(deps.config, target);
    if (!target || !repository || !task.working_dir) return;
    const pr = target.provider === 'github' && target.isPullRequest ? target.issueNumber : undefined;
    try {
      if (pr !== undefined && deps.github) await postReview(deps.github, task, repository, pr);
      if (deps.config.GITHUB_PULL_REQUESTS) {
        const pullNumber = pr;
        await openPullRequest(deps, task, repository, { pullNumber, command: meta?.command });
      }
    } catch (err) {
      deps.log.warn({ err, task_id: task.task_id }, 'delivering the run\'s changes failed');
      await recordFailure(deps.repos, task, `delivering the run's changes to GitHub failed: ${(err as Error).message}`);
    }
  };
}

/** The GitHub repository a task's changes go to: its thread's, or for a Jira issue its project's (JIRA_REPOSITORIES). */
function repositoryOf(config: DeliveryDeps['config'], target: PostBackTarget | undefined): GithubRepository | undefined {
  if (target?.provider === 'github') return { owner: target.owner, repo: target.repo, installationId: target.installationId };
  if (target?.provider === 'jira') return jiraRepository(config, target.issueKey);
  return undefined;
}

async function recordFailure(repos: Repositories, task: TaskRow, message: string): Promise<void> {
  await repos.tasks.update(task.task_id, { post_back_error: message }).catch(() => undefined);
}

// What the service does with a webhook run's result besides replying in the thread that asked (issue 15, item 1):
// the pull request the run opened joins its flow, then the run's durable after-run steps go (src/flows/
// after-run-steps.ts): a Jira issue opened for `options.opens: "jira_issue"` (the built-in `ticket`) and linked into
// the flow, notes to the flow's other threads (`options.reply_to_linked`), the Slack flow summary. The run itself
// never holds the Jira or Slack credentials.
import { PullRequestView } from '../contracts/task.js';
import { changeRequestThread } from '../delivery/code-host.js';
import { externalThreadId } from '../domain/ids.js';
import type { TaskRow } from '../storage/schema.js';
import type { TaskObserver } from '../worker/observers.js';
import type { AfterRunSteps } from './after-run-steps.js';
import type { StepDeps } from './step-context.js';

export { type AfterRun, afterRunOf, afterRunProblems } from './after-run-options.js';

function pullRequestOf(task: TaskRow): PullRequestView | undefined {
  if (!task.pull_request) return undefined;
  try {
    return PullRequestView.safeParse(JSON.parse(task.pull_request)).data;
  } catch {
    return undefined;
  }
}

export class FlowAfterRun implements TaskObserver {
  constructor(private readonly deps: Pick<StepDeps, 'repos'> & { steps: AfterRunSteps }) {}

  async onFinish(task: TaskRow): Promise<void> {
    if (task.status !== 'completed' || !task.flow_id) return;
    await this.linkOpenedPullRequest(task);
    await this.deps.steps.runFor(task);
  }

  /**
   * The pull request this run opened (src/delivery/, the worker's post-run step, before the observers) joins the
   * run's flow: "address the review" there resumes the same session. A push to a pull request opened earlier links
   * nothing again (its thread may have been moved since).
   */
  private async linkOpenedPullRequest(task: TaskRow): Promise<void> {
    const view = pullRequestOf(task);
    if (!view) return;
    const row = await this.deps.repos.pullRequests.find(view.provider, view.repository, view.number);
    if (row?.task_id !== task.task_id) return;
    await this.deps.repos.flowLinks.link({ external_id: externalThreadId(view.provider, changeRequestThread(view)), flow_id: task.flow_id!, via: 'opened', task_id: task.task_id });
  }
}

// What the service does with a webhook run's result besides replying in the thread that asked (issue 15, item 1):
// a rule with `options.opens: "jira_issue"` (the built-in `ticket`) has the service open a Jira issue from the run's
// summary and link it into the run's flow, so a command on that issue continues the same Claude session; and a run in
// a flow that spans several threads posts its summary to the Slack notify channel (the rule's
// `options.notify_channel`, else SLACK_NOTIFY_CHANNEL). The run itself never holds the Jira or Slack credentials.
import type { Config } from '../config.js';
import { PullRequestView } from '../contracts/task.js';
import { externalThreadId } from '../domain/ids.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import type { ProviderClients } from '../webhooks/clients.js';
import { need, postReply } from '../webhooks/responder.js';
import { threadMetadata } from '../webhooks/thread-task.js';
import type { TaskObserver } from '../worker/observers.js';

export { type AfterRun, afterRunOf, afterRunProblems } from './after-run-options.js';

const MAX_SUMMARY = 240;
const MAX_DESCRIPTION = 30_000;
const MAX_NOTIFY = 1_500;

/** A Jira summary from a run's output: its first line with text, without Markdown heading or emphasis marks. */
export function summaryLine(output: string): string {
  const line = output.split('\n').map((l) => l.replace(/^[#>*\s-]+|[*_`]+/g, '').trim()).find((l) => l.length > 0) ?? 'Issue opened by Claude Code Agent';
  return line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY - 1)}…` : line;
}

function pullRequestOf(task: TaskRow): PullRequestView | undefined {
  if (!task.pull_request) return undefined;
  try {
    return PullRequestView.safeParse(JSON.parse(task.pull_request)).data;
  } catch {
    return undefined;
  }
}

export class FlowAfterRun implements TaskObserver {
  constructor(private readonly deps: { config: Config; repos: Repositories; clients: ProviderClients; log: Logger }) {}

  async onFinish(task: TaskRow): Promise<void> {
    if (task.status !== 'completed' || !task.flow_id) return;
    const meta = threadMetadata(task);
    await this.linkOpenedPullRequest(task);
    if (meta?.after_run?.opens === 'jira_issue') await this.openJiraIssue(task, meta.target);
    await this.notifyFlow(task, meta?.after_run?.notify_channel);
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
    const thread = view.provider === 'gitlab' ? `${view.repository}!${view.number}` : `${view.repository}#${view.number}`;
    await this.deps.repos.flowLinks.link({ external_id: externalThreadId(view.provider, thread), flow_id: task.flow_id!, via: 'opened', task_id: task.task_id });
  }

  private async openJiraIssue(task: TaskRow, target: Parameters<typeof postReply>[1] | undefined): Promise<void> {
    const { config, repos, clients } = this.deps;
    const output = task.output?.trim() || '(the run produced no text)';
    let text: string;
    try {
      if (!config.JIRA_TICKET_PROJECT) throw new Error('JIRA_TICKET_PROJECT is not set');
      const jira = need(clients.jira, 'Jira', 'JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN');
      const description = `${output.slice(0, MAX_DESCRIPTION)}\n\nOpened by Claude Code Agent for task ${task.task_id} (${task.external_id ?? task.source}).`;
      const issue = await jira.createIssue({ projectKey: config.JIRA_TICKET_PROJECT, issueType: config.JIRA_TICKET_ISSUE_TYPE, summary: summaryLine(output), text: description });
      await repos.flowLinks.link({ external_id: externalThreadId('jira', issue.key), flow_id: task.flow_id!, via: 'opened', task_id: task.task_id });
      const url = `${config.JIRA_BASE_URL!.replace(/\/+$/, '')}/browse/${issue.key}`;
      text = `Opened Jira issue ${issue.key}: ${url}\nA command there continues this session.`;
    } catch (err) {
      this.deps.log.warn({ err, task_id: task.task_id }, 'could not open the Jira issue');
      text = `Could not open the Jira issue: ${(err as Error).message}`;
      await repos.tasks.update(task.task_id, { post_back_error: text }).catch(() => undefined);
    }
    if (!target) return;
    const id = await postReply(clients, target, text);
    if (id) await repos.webhookEvents.recordPost(target.provider, id, task.task_id);
  }

  /** A run in a flow of several threads tells the notify channel what it found, naming the flow's threads. */
  private async notifyFlow(task: TaskRow, channel: string | undefined): Promise<void> {
    const to = channel ?? this.deps.config.SLACK_NOTIFY_CHANNEL;
    if (!to || !this.deps.clients.slack) return;
    const links = await this.deps.repos.flowLinks.forFlow(task.flow_id!);
    if (links.length === 0) return;
    const command = threadMetadata(task)?.command ?? 'task';
    const summary = (task.output?.trim() || '(no text)').slice(0, MAX_NOTIFY);
    const threads = links.map((l) => l.external_id).join(', ');
    const text = `🔗 ${task.flow_id} (${task.external_id ?? task.source}; linked: ${threads}): \`${command}\` finished.\n${summary}`;
    try {
      const m = await this.deps.clients.slack.postMessage({ channel: to, text });
      await this.deps.repos.webhookEvents.recordPost('slack', `${m.channel}/${m.ts}`, task.task_id);
    } catch (err) {
      this.deps.log.warn({ err, task_id: task.task_id }, 'Slack flow summary failed');
    }
  }
}

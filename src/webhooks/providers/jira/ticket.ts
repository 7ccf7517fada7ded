// The `jira_issue` step after a run (src/flows/after-run-steps.ts runs it; the Jira adapter's `afterRunSteps`): a rule with `options.opens: "jira_issue"` (the
// built-in `ticket`) has the service open a Jira issue from the run's summary, link it into the run's flow, and tell
// the thread that asked. It may run more than once (a 5xx, a crash, a restart): the issue carries the label
// `claude-agent-<task id>`, looked for before one is opened, and the key is kept in the step's progress as soon as
// it is known, so a task never gets two issues, and the thread is told once.
import { externalThreadId } from '../../../domain/ids.js';
import { StepCannotRun, type StepContext } from '../../../flows/step-context.js';
import type { TaskRow } from '../../../storage/schema.js';
import { postReply } from '../../responder.js';
import { threadMetadata } from '../../thread-task.js';

const MAX_SUMMARY = 240;
const MAX_DESCRIPTION = 30_000;

export interface JiraTicketProgress {
  key?: string;
  told?: boolean;
}

/** A Jira summary from a run's output: its first line with text, without Markdown heading or emphasis marks. */
export function summaryLine(output: string): string {
  const line = output.split('\n').map((l) => l.replace(/^[#>*\s-]+|[*_`]+/g, '').trim()).find((l) => l.length > 0) ?? 'Issue opened by Claude Code Agent';
  return line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY - 1)}…` : line;
}

/** The label that marks the issue opened for a task (Jira labels hold no spaces). */
export const ticketLabel = (taskId: string) => `claude-agent-${taskId}`;

export async function openJiraTicket(task: TaskRow, ctx: StepContext<JiraTicketProgress>): Promise<void> {
  const { config, repos, clients } = ctx.deps;
  if (!config.JIRA_TICKET_PROJECT) throw new StepCannotRun('JIRA_TICKET_PROJECT is not set');
  const jira = clients.jira;
  if (!jira) throw new StepCannotRun('Jira is not configured: set JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN');
  let key = ctx.progress.key;
  if (!key) {
    const output = task.output?.trim() || '(the run produced no text)';
    const label = ticketLabel(task.task_id);
    const description = `${output.slice(0, MAX_DESCRIPTION)}\n\nOpened by Claude Code Agent for task ${task.task_id} (${task.external_id ?? task.source}).`;
    key = (await jira.findIssueByLabel(label))?.key
      ?? (await jira.createIssue({ projectKey: config.JIRA_TICKET_PROJECT, issueType: config.JIRA_TICKET_ISSUE_TYPE, summary: summaryLine(output), text: description, labels: [label] })).key;
    await ctx.save({ key });
  }
  await repos.flowLinks.link({ external_id: externalThreadId('jira', key), flow_id: task.flow_id!, via: 'opened', task_id: task.task_id });
  if (ctx.progress.told) return;
  const url = `${config.JIRA_BASE_URL!.replace(/\/+$/, '')}/browse/${key}`;
  await tellThread(task, ctx, `Opened Jira issue ${key}: ${url}\nA command there continues this session.`);
  await ctx.save({ key, told: true });
}

/** When the step gives up: the thread that asked hears why, and the task keeps it. */
export async function jiraTicketFailed(task: TaskRow, ctx: StepContext<JiraTicketProgress>, reason: string): Promise<void> {
  const text = `Could not open the Jira issue: ${reason}`;
  await ctx.deps.repos.tasks.update(task.task_id, { post_back_error: text });
  await tellThread(task, ctx, text);
}

async function tellThread(task: TaskRow, ctx: StepContext<JiraTicketProgress>, text: string): Promise<void> {
  const target = threadMetadata(task)?.target;
  if (!target) return;
  const id = await postReply(ctx.deps.clients, target, text);
  if (id) await ctx.deps.repos.webhookEvents.recordPost(target.provider, id, task.task_id);
}

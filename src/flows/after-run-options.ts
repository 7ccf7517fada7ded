// A rule's after-run options (what the service does with a run's result besides replying; see after-run.ts), read
// and checked here without the observer's imports, so the rule engine can use them.
import { notifier } from '../webhooks/providers/index.js';

/** Recorded on a task (source_metadata.after_run) from its rule's options. */
export interface AfterRun {
  opens?: 'jira_issue';
  notify_channel?: string;
  /** Also tell every other thread of the flow (a short note naming the asking thread); unset: FLOW_REPLY_TO_LINKED_THREADS. */
  reply_to_linked?: boolean;
}

/**
 * The durable steps a webhook task gets (src/flows/after-run-steps.ts), planned with the task, in the order they
 * run: a ticket first, so the notes name it.
 */
export function plannedSteps(afterRun: AfterRun | undefined): ('jira_issue' | 'flow_notes')[] {
  return afterRun?.opens === 'jira_issue' ? ['jira_issue', 'flow_notes'] : ['flow_notes'];
}

/** What is wrong with a rule's notify channel (checked by the provider that keeps the notify channel), or undefined. */
function channelProblem(channel: unknown): string | undefined {
  const keeper = notifier();
  if (!keeper) return 'no provider has a notify channel';
  return typeof channel === 'string' ? keeper.channel.problem(channel) : (keeper.channel.problem('') ?? 'a channel id');
}

/** The after-run part of a rule's options, or undefined when it asks for nothing. */
export function afterRunOf(options: Record<string, unknown>): AfterRun | undefined {
  const out: AfterRun = {};
  if (options.opens === 'jira_issue') out.opens = 'jira_issue';
  if (typeof options.notify_channel === 'string' && !channelProblem(options.notify_channel)) out.notify_channel = options.notify_channel;
  if (typeof options.reply_to_linked === 'boolean') out.reply_to_linked = options.reply_to_linked;
  return Object.keys(out).length ? out : undefined;
}

/** What is wrong with a rule's after-run options (commandProblems). */
export function afterRunProblems(options: Record<string, unknown> | undefined): string[] {
  const problems: string[] = [];
  if (options?.opens !== undefined && options.opens !== 'jira_issue') problems.push('options.opens: the only thing a run can open is "jira_issue"');
  const channel = options?.notify_channel === undefined ? undefined : channelProblem(options.notify_channel);
  if (channel) problems.push(`options.notify_channel: ${channel}`);
  if (options?.reply_to_linked !== undefined && typeof options.reply_to_linked !== 'boolean') problems.push('options.reply_to_linked: true or false');
  return problems;
}

// The `flow_notes` step after a run (src/flows/after-run-steps.ts): what a flow's other threads hear of a run.
// - With `options.reply_to_linked` (default FLOW_REPLY_TO_LINKED_THREADS), every other thread linked in the flow gets
//   a short note naming the thread that asked, with the summary, through its provider's adapter (recorded for the loop
//   guard like every post). A thread this run opened itself (a Jira issue, a pull request) already carries the result.
// - A run in a flow that spans several threads posts its summary to the notify channel (the rule's
//   `options.notify_channel`, else the one configured: SLACK_NOTIFY_CHANNEL; the adapter's `notifyChannel`).
// What has been sent is kept in the step's progress, so a step taken up again sends only what is missing.
import type { FlowLinkRow, TaskRow } from '../storage/schema.js';
import { clientOf } from '../webhooks/clients.js';
import { adapterFor, isProvider, notifier } from '../webhooks/providers/index.js';
import type { PostBackTarget } from '../webhooks/providers/types.js';
import { postReply } from '../webhooks/responder.js';
import { threadMetadata } from '../webhooks/thread-task.js';
import type { StepContext } from './step-context.js';

const MAX_NOTE = 1_500;
/** The notify channel's mark in the step's progress (stored: the value stays). */
const NOTIFIED = 'slack-notify';

export interface FlowNotesProgress {
  sent?: string[];
}

export async function sendFlowNotes(task: TaskRow, ctx: StepContext<FlowNotesProgress>): Promise<void> {
  const { config, repos } = ctx.deps;
  const meta = threadMetadata(task);
  const sent = new Set(ctx.progress.sent ?? []);
  const mark = async (what: string) => {
    sent.add(what);
    await ctx.save({ sent: [...sent] });
  };
  const links = await repos.flowLinks.forFlow(task.flow_id!);
  const command = meta?.command ?? 'task';
  const summary = (task.output?.trim() || '(no text)').slice(0, MAX_NOTE);

  if (meta?.after_run?.reply_to_linked ?? config.FLOW_REPLY_TO_LINKED_THREADS) {
    const openedHere = new Set(links.filter((l) => l.via === 'opened' && l.task_id === task.task_id).map((l) => l.external_id));
    for (const thread of await repos.flowLinks.threadsOf(task.flow_id!)) {
      if (thread === task.external_id || openedHere.has(thread) || sent.has(thread)) continue;
      const target = await targetOf(ctx, thread, meta?.target);
      if (!target) continue;
      const id = await postReply(ctx.deps.clients, target, `🔗 From ${task.external_id ?? task.source} (${task.flow_id}): \`${command}\` finished.\n${summary}`);
      if (id) await repos.webhookEvents.recordPost(target.provider, id, task.task_id);
      await mark(thread);
    }
  }

  const keeper = notifier();
  const channel = meta?.after_run?.notify_channel ?? keeper?.channel.configured(config);
  const client = keeper && clientOf(ctx.deps.clients, keeper.adapter.name);
  if (!keeper || !channel || !client || links.length === 0 || sent.has(NOTIFIED)) return;
  const id = await keeper.channel.post(client, channel, summaryText(task, command, summary, links));
  await repos.webhookEvents.recordPost(keeper.adapter.name, id, task.task_id);
  await mark(NOTIFIED);
}

/** When the step gives up: the task keeps why (its own thread has its reply already). */
export async function flowNotesFailed(task: TaskRow, ctx: StepContext<FlowNotesProgress>, reason: string): Promise<void> {
  await ctx.deps.repos.tasks.update(task.task_id, { post_back_error: `telling the flow's other threads failed: ${reason}` });
}

function summaryText(task: TaskRow, command: string, summary: string, links: FlowLinkRow[]): string {
  const threads = links.map((l) => l.external_id).join(', ');
  return `🔗 ${task.flow_id} (${task.external_id ?? task.source}; linked: ${threads}): \`${command}\` finished.\n${summary}`;
}

/**
 * Where a thread's replies go: as its newest task recorded them, else (a thread the service opened and nobody has
 * written in yet) what its id alone says to its provider's adapter (`threadTarget`: a Jira issue, a GitHub issue or
 * pull request).
 */
async function targetOf(ctx: StepContext<unknown>, externalId: string, asker: PostBackTarget | undefined): Promise<PostBackTarget | undefined> {
  const stored = await ctx.deps.repos.flowLinks.latestMetadataOf(externalId);
  if (stored) {
    try {
      const target = (JSON.parse(stored) as { target?: PostBackTarget | null }).target;
      if (target) return target;
    } catch {
      // Unreadable metadata: fall through to the id.
    }
  }
  const [provider, thread = ''] = [externalId.slice(0, externalId.indexOf(':')), externalId.slice(externalId.indexOf(':') + 1)];
  return isProvider(provider) ? adapterFor(provider).threadTarget?.(thread, asker) : undefined;
}

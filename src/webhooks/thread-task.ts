import { conversationIdFor, externalThreadId, flowIdFor, newId } from '../domain/ids.js';
import type { FlowChoice } from '../flows/flow-resolver.js';
import { brainBody, wrapWithBrain } from '../registry/brain-wrap.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import type { TaskService } from '../tasks/task-service.js';
import type { EngineEvent } from './engine.js';
import type { PostBackTarget } from './providers/types.js';
import type { PermissionMode } from './rules/types.js';
import { type AfterRun, plannedSteps } from '../flows/after-run-options.js';

export interface ThreadTaskInput {
  event: EngineEvent;
  taskId: string;
  prompt: string;
  userContent: string;
  command: string;
  rule: string;
  agent: string | null;
  permissions: { permission_mode: PermissionMode; allowed_tools?: string[]; disallowed_tools?: string[] } | null;
  needsApproval: boolean;
  newConversation: boolean;
  /** The delivery that asked; null for a scheduled rule's firing. */
  webhookEventId: string | null;
  replayOf?: string | null;
  /**
   * Present when the prompt is wrapped with the brain's standing instructions (WEBHOOK_BRAIN_WRAP, unless the command
   * turns it off): the registry's `brain` body, read before the transaction (see brainFor).
   */
  brain?: { body: string | undefined };
  /** The flow the thread's tasks join (src/flows/); absent: the thread's own. With `link`, the thread joins it now. */
  flow?: FlowChoice;
  /** What the service does with the run's result besides replying (rule options, see src/flows/after-run.ts). */
  afterRun?: AfterRun;
}

/** What createThreadTask needs to wrap a prompt with the brain, read beforehand: it writes inside a transaction. */
export async function brainFor(repos: Repositories, wrap: boolean): Promise<ThreadTaskInput['brain']> {
  return wrap ? { body: await brainBody(repos.registry) } : undefined;
}

/**
 * A task for an external thread. The thread is one flow, or part of one with linked threads (src/flows/): its tasks
 * share the flow's conversation (so they resume one Claude session) until someone asks for a new conversation, which
 * starts another conversation in the same flow.
 *
 * Only rows are written, through `repos` (a delivery's transaction): the caller announces the task (TaskService
 * .announce) after the commit.
 */
export async function createThreadTask(repos: Repositories, tasks: TaskService, input: ThreadTaskInput): Promise<TaskRow> {
  const { event } = input;
  const externalId = externalThreadId(event.provider, event.thread);
  const flowId = input.flow?.flowId ?? flowIdFor(externalId);
  if (input.flow?.link) await repos.flowLinks.link({ external_id: externalId, flow_id: flowId, via: input.flow.link.via, task_id: input.taskId });
  const current = input.newConversation ? undefined : await repos.conversations.latestForFlow(flowId);
  const conversation =
    current ??
    (await repos.conversations.ensure({
      conversation_id: input.newConversation ? newId('conv') : conversationIdFor(externalId),
      title: event.threadTitle || externalId,
      flow_id: flowId,
      source: event.provider,
    }));
  // Counted with the task, in its statement that counts the task on the conversation.
  await repos.conversations.addMessage({ conversation_id: conversation.conversation_id, task_id: input.taskId, role: 'user', content: input.prompt, counted: false });
  // What follows the run besides its reply, written with the task so that no crash can lose it (src/flows/).
  await repos.afterRunSteps.plan(input.taskId, plannedSteps(input.afterRun));
  // The task itself last: creating it ends with its session's count, the one row every task of the source shares.
  return tasks.insert({
    task_id: input.taskId,
    session_id: `webhook:${event.provider}`,
    source: event.provider,
    input_message: input.userContent || `${input.command} (${event.eventType})`,
    prompt: input.brain ? wrapWithBrain(input.prompt, input.brain.body) : input.prompt,
    conversation_id: conversation.conversation_id,
    flow_id: flowId,
    external_id: externalId,
    source_metadata: {
      event_type: event.eventType,
      delivery_id: event.deliveryId,
      thread: event.thread,
      target: event.target ?? null,
      actor: event.actor,
      command: input.command,
      ...(input.replayOf ? { replay_of: input.replayOf } : {}),
      ...(input.afterRun ? { after_run: input.afterRun } : {}),
    },
    requester: event.actor ? `${event.provider}:${event.actor.name}` : event.provider,
    rule: input.rule,
    agent: input.agent,
    permission_mode: input.permissions?.permission_mode ?? null,
    allowed_tools: input.permissions?.allowed_tools ?? null,
    disallowed_tools: input.permissions?.disallowed_tools ?? null,
    webhook_event_id: input.webhookEventId,
    needs_approval: input.needsApproval,
    conversation_messages: 1,
  }, repos);
}

/** What a webhook task recorded of its delivery (see createThreadTask): where to answer, which command. */
export function threadMetadata(task: TaskRow): { target?: PostBackTarget; command?: string; event_type?: string; after_run?: AfterRun } | undefined {
  if (!task.source_metadata) return undefined;
  try {
    return JSON.parse(task.source_metadata) as { target?: PostBackTarget; command?: string; event_type?: string; after_run?: AfterRun };
  } catch {
    return undefined;
  }
}

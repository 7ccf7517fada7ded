import type { ApprovalContext } from '../contracts/tasks.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import { threadMetadata } from '../webhooks/thread-task.js';

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The approval card's context of a task: the prompt it will run, the command and event, its thread and delivery. */
export async function approvalContext(repos: Repositories, task: TaskRow): Promise<ApprovalContext> {
  const meta = threadMetadata(task);
  const [conversation, delivery] = await Promise.all([
    task.conversation_id ? repos.conversations.get(task.conversation_id) : undefined,
    task.webhook_event_id ? repos.webhookEvents.getSummary(task.webhook_event_id) : undefined,
  ]);
  return {
    task_id: task.task_id,
    prompt: task.prompt ?? task.input_message,
    command: text(meta?.command),
    event_type: text(meta?.event_type),
    thread: { external_id: task.external_id, conversation_id: task.conversation_id, title: conversation?.title ?? null },
    delivery: delivery ? { event_id: delivery.event_id, provider: delivery.provider, webhook_id: delivery.webhook_id } : null,
  };
}

import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';

/**
 * Every turn of a conversation gets an answer: the run's output, or why there is none — failed, cancelled while it
 * ran, or cancelled or rejected before it ever started. Nothing is written when the conversation was deleted.
 */
export async function replyInConversation(repos: Repositories, row: TaskRow, status: 'completed' | 'failed' | 'cancelled'): Promise<void> {
  if (!row.conversation_id) return;
  const content = status === 'completed' ? (row.output ?? '') : `(${status}) ${row.error ?? ''}`.trim();
  await repos.conversations.addMessageIfPresent({
    conversation_id: row.conversation_id,
    task_id: row.task_id,
    role: 'assistant',
    content,
    // The reply is the task's output: kept once, on the task.
    content_is_output: status === 'completed' && row.output !== null,
    metadata: { status, outcome: row.outcome, cost_usd: row.cost_usd },
  });
}

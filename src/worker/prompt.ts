import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';

export const CONTEXT_MESSAGES = 20;

/**
 * What the child is asked. A conversation with a Claude session continues it (--resume carries the history);
 * without one, the last 20 messages of the conversation come along as context so a follow-up still makes sense.
 */
export async function buildPrompt(task: TaskRow, repos: Repositories, resumable: boolean): Promise<string> {
  const request = task.prompt ?? task.input_message;
  if (resumable || !task.conversation_id) return request;
  const { messages } = await repos.conversations.messages(task.conversation_id, { limit: CONTEXT_MESSAGES + 1 });
  const earlier = messages.filter((m) => m.task_id !== task.task_id).slice(-CONTEXT_MESSAGES);
  if (earlier.length === 0) return request;
  const history = earlier.map((m) => `[${m.role}]: ${m.content}`).join('\n\n');
  return `Earlier messages in this conversation, oldest first:\n\n${history}\n\n---\nThe new message to answer:\n\n${request}`;
}

import type { Conversation, Message } from '../contracts/conversations.js';
import type { TaskView } from '../contracts/task.js';
import type { TaskStatus } from '../domain/task-status.js';
import type { ConversationMessageRow, ConversationRow, TaskRow } from './schema.js';

const iso = (ms: number | null): string | null => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());
const json = <T>(text: string | null): T | null => {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
};

export function taskView(row: TaskRow): TaskView {
  return {
    task_id: row.task_id,
    session_id: row.session_id,
    conversation_id: row.conversation_id,
    flow_id: row.flow_id,
    parent_task_id: row.parent_task_id,
    external_id: row.external_id,
    source: row.source,
    source_metadata: json(row.source_metadata),
    requester: row.requester,
    rule: row.rule,
    assigned_agent: row.assigned_agent,
    model: row.model,
    status: row.status as TaskStatus,
    input_message: row.input_message,
    output: row.output,
    error: row.error,
    outcome: row.outcome,
    cost_usd: Number(row.cost_usd),
    input_tokens: Number(row.input_tokens),
    output_tokens: Number(row.output_tokens),
    cache_read_tokens: Number(row.cache_read_tokens),
    cache_creation_tokens: Number(row.cache_creation_tokens),
    num_turns: Number(row.num_turns),
    duration_ms: row.duration_ms === null ? null : Number(row.duration_ms),
    claude_session_id: row.claude_session_id,
    permission_mode: row.permission_mode,
    allowed_tools: json<string[]>(row.allowed_tools),
    disallowed_tools: json<string[]>(row.disallowed_tools),
    max_turns: row.max_turns,
    budget_usd: row.budget_usd,
    attempts: Number(row.attempts),
    event_count: Number(row.event_count),
    post_back_error: row.post_back_error,
    created_at: iso(row.created_at)!,
    queued_at: iso(row.queued_at),
    started_at: iso(row.started_at),
    completed_at: iso(row.completed_at),
    updated_at: iso(row.updated_at)!,
  };
}

export function conversationView(row: ConversationRow): Conversation {
  return {
    conversation_id: row.conversation_id,
    title: row.title,
    user_id: row.user_id,
    flow_id: row.flow_id,
    source: row.source,
    claude_session_id: row.claude_session_id,
    agent: row.agent,
    model: row.model,
    permission_mode: row.permission_mode,
    workspace: { kind: row.workspace_kind, ref: row.workspace_ref },
    archived: row.archived === 1,
    total_cost_usd: Number(row.total_cost_usd),
    task_count: Number(row.task_count),
    message_count: Number(row.message_count),
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}

export function messageView(row: ConversationMessageRow): Message {
  return {
    message_id: row.message_id,
    conversation_id: row.conversation_id,
    task_id: row.task_id,
    role: row.role,
    content: row.content,
    metadata: json<Message['metadata']>(row.metadata),
    created_at: iso(row.created_at)!,
  };
}

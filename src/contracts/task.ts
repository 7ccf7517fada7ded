import { z } from 'zod';
import { TASK_STATUSES } from '../domain/task-status.js';

export const TaskStatus = z.enum(TASK_STATUSES);

/** A pull (merge) request the service opened for a task's changes, and what became of it. */
export const PullRequestView = z.object({
  provider: z.string(),
  repository: z.string(),
  number: z.number(),
  url: z.string(),
  branch: z.string(),
  state: z.enum(['open', 'closed', 'merged']),
  /** The CI checks on its head: null until a check_suite or status delivery arrives. */
  checks: z.enum(['pending', 'success', 'failure']).nullable(),
});
export type PullRequestView = z.infer<typeof PullRequestView>;

/** A task as the API and WebSocket present it. */
export const TaskView = z.object({
  task_id: z.string(),
  session_id: z.string(),
  conversation_id: z.string().nullable(),
  flow_id: z.string().nullable(),
  parent_task_id: z.string().nullable(),
  external_id: z.string().nullable(),
  source: z.string(),
  source_metadata: z.unknown().nullable(),
  requester: z.string().nullable(),
  rule: z.string().nullable(),
  assigned_agent: z.string().nullable(),
  model: z.string().nullable(),
  status: TaskStatus,
  input_message: z.string(),
  output: z.string().nullable(),
  error: z.string().nullable(),
  outcome: z.string().nullable(),
  cost_usd: z.number(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cache_read_tokens: z.number(),
  cache_creation_tokens: z.number(),
  num_turns: z.number(),
  duration_ms: z.number().nullable(),
  claude_session_id: z.string().nullable(),
  permission_mode: z.string().nullable(),
  allowed_tools: z.array(z.string()).nullable(),
  disallowed_tools: z.array(z.string()).nullable(),
  max_turns: z.number().nullable(),
  budget_usd: z.number().nullable(),
  attempts: z.number(),
  event_count: z.number(),
  /** Deliveries this task answers: an alert storm's later events join the queued or running task (STORM_WINDOW_SECONDS). */
  delivery_count: z.number(),
  post_back_error: z.string().nullable(),
  /** The pull request its run opened or pushed to. */
  pull_request: PullRequestView.nullable(),
  created_at: z.string(),
  queued_at: z.string().nullable(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  updated_at: z.string(),
});
export type TaskView = z.infer<typeof TaskView>;

import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Flag, Json } from './columns.js';

// Sessions, conversations, tasks, their events and transcripts, and the workers that run them.

export interface SessionTable {
  session_id: string;
  user_id: string | null;
  machine_id: string | null;
  /** Not kept up to date in the row (every webhook task of a provider shares it): SessionRepository.get counts both. */
  total_cost_usd: Generated<number>;
  total_tasks: Generated<number>;
  created_at: number;
  updated_at: number;
}

export type SessionRow = Selectable<SessionTable>;

export type WorkspaceKind = 'empty' | 'path' | 'repository';

export interface ConversationTable {
  conversation_id: string;
  user_id: string | null;
  title: string;
  flow_id: string | null;
  source: string;
  claude_session_id: string | null;
  /** What the composer chose; every turn runs with it (null: the service's default). */
  agent: Generated<string | null>;
  model: Generated<string | null>;
  permission_mode: Generated<string | null>;
  /** `empty`, `path` (workspace_ref: a folder under WORKSPACE_ROOTS) or `repository` (workspace_ref: its clone URL). */
  workspace_kind: Generated<WorkspaceKind>;
  workspace_ref: Generated<string | null>;
  archived: Generated<Flag>;
  total_cost_usd: Generated<number>;
  task_count: Generated<number>;
  message_count: Generated<number>;
  created_at: number;
  updated_at: number;
}

export type ConversationRow = Selectable<ConversationTable>;

export interface ConversationMessageTable {
  message_id: string;
  conversation_id: string;
  task_id: string | null;
  role: 'user' | 'assistant' | 'system';
  content: string;
  metadata: Json | null;
  /** 1: the content is the task's output, kept once on the task (`content` is empty) and joined in on read. */
  content_is_output: Generated<Flag>;
  created_at: number;
}

export type ConversationMessageRow = Selectable<ConversationMessageTable>;

export interface TaskTable {
  task_id: string;
  session_id: string;
  conversation_id: string | null;
  flow_id: string | null;
  parent_task_id: string | null;
  external_id: string | null;
  source: string;
  source_metadata: Json | null;
  requester: string | null;
  rule: string | null;
  assigned_agent: string | null;
  model: string | null;
  status: string;
  input_message: string;
  prompt: string | null;
  system_prompt_append: string | null;
  permission_mode: string | null;
  allowed_tools: Json | null;
  disallowed_tools: Json | null;
  max_turns: number | null;
  budget_usd: number | null;
  output: string | null;
  error: string | null;
  outcome: string | null;
  cost_usd: Generated<number>;
  input_tokens: Generated<number>;
  output_tokens: Generated<number>;
  cache_read_tokens: Generated<number>;
  cache_creation_tokens: Generated<number>;
  num_turns: Generated<number>;
  duration_ms: number | null;
  claude_session_id: string | null;
  resume_session_id: string | null;
  working_dir: string | null;
  attempts: Generated<number>;
  worker_id: string | null;
  child_pid: number | null;
  heartbeat_at: number | null;
  /** The attempt's fencing id, set at claim: writes that settle the run are conditional on it. */
  fence_id: string | null;
  cancel_requested: Generated<Flag>;
  event_count: Generated<number>;
  /** How many deliveries this task answers: more than 1 when an alert storm joined it (issue 15 item 4). */
  delivery_count: Generated<number>;
  webhook_event_id: string | null;
  post_back_error: string | null;
  /** The pull request this task's run opened or pushed to (pull_requests.pr_id). */
  pull_request_id: string | null;
  /** A copy of that pull request's view (JSON), rewritten when its state changes. */
  pull_request: Json | null;
  /** The commit its workspace was checked out at (what the service commits the run's changes on). */
  checkout_commit: string | null;
  created_at: number;
  queued_at: number | null;
  started_at: number | null;
  completed_at: number | null;
  updated_at: number;
}

export type TaskRow = Selectable<TaskTable>;

export type NewTaskRow = Insertable<TaskTable>;

export type TaskUpdate = Updateable<TaskTable>;

export interface TaskEventTable {
  task_id: string;
  seq: number;
  type: string;
  item: Json;
  created_at: number;
}

export type TaskEventRow = Selectable<TaskEventTable>;

/** A Claude Code session transcript, kept so any worker machine can resume a conversation. */
export interface ClaudeSessionTable {
  session_id: string;
  conversation_id: string | null;
  /** Transcripts saved before migration 0006; '' since (see transcript_br). */
  transcript: string;
  /** The transcript, brotli-compressed; null when none is kept (no conversation to resume, or pruned by retention). */
  transcript_br: Buffer | null;
  /** 1: transcript_br holds the transcript's skeleton, its large values in transcript_parts (migration 0012). */
  transcript_split: Generated<number>;
  /** Claude Code reports cost and tokens cumulatively over a resumed session; these are the totals at the last run's end. */
  total_cost_usd: Generated<number>;
  input_tokens: Generated<number>;
  output_tokens: Generated<number>;
  cache_read_tokens: Generated<number>;
  cache_creation_tokens: Generated<number>;
  updated_at: number;
}

/** A large value Claude Code session transcripts repeat, stored once (src/storage/transcript-parts.ts). */
export interface TranscriptPartTable {
  /** sha256 of the part's JSON, base64url. */
  hash: string;
  /** The part's JSON, brotli-compressed. */
  content_br: Buffer;
  /** When a saved transcript last referred to it (refreshed at most daily); retention drops the long unused. */
  used_at: number;
}

/** A worker process: registered at start, its heart beaten while it lives (src/cluster/worker-registry.ts). */
export interface WorkerTable {
  worker_id: string;
  host: string;
  pid: number;
  version: string;
  started_at: number;
  last_seen_at: number;
  running: Generated<number>;
  capacity: number;
  draining: Generated<Flag>;
  metrics_port: number | null;
  gone_at: number | null;
  gone_reason: string | null;
}

export type WorkerRow = Selectable<WorkerTable>;

import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { DurationBinColumn } from '../domain/duration-histogram.js';

/**
 * The tables, one interface for both dialects. Times are epoch milliseconds (bigint), booleans are 0/1 integers and
 * structured fields are JSON text, so SQLite and PostgreSQL store and return exactly the same values.
 */
export interface Database {
  sessions: SessionTable;
  conversations: ConversationTable;
  conversation_messages: ConversationMessageTable;
  tasks: TaskTable;
  task_events: TaskEventTable;
  webhook_configs: WebhookConfigTable;
  webhook_commands: WebhookCommandTable;
  webhook_events: WebhookEventTable;
  webhook_unverified_counts: WebhookUnverifiedCountTable;
  claude_sessions: ClaudeSessionTable;
  outbound_posts: OutboundPostTable;
  task_rollups: TaskRollupTable;
  budgets: BudgetTable;
  registry_agents: RegistryAgentTable;
  registry_skills: RegistrySkillTable;
  registry_meta: RegistryMetaTable;
  task_skills: TaskSkillTable;
  mcp_grants: McpGrantTable;
  workers: WorkerTable;
  pull_requests: PullRequestTable;
}

/** A pull (merge) request the service opened for a run, and what became of it (migration 0007). */
export interface PullRequestTable {
  pr_id: string;
  provider: string;
  /** 'owner/repo' (GitHub), the project path (GitLab). */
  repository: string;
  number: number;
  url: string;
  branch: string;
  base: string;
  /** open | closed | merged */
  state: Generated<string>;
  /** pending | success | failure, from check_suite and status deliveries; null until one arrives. */
  checks: string | null;
  head_sha: string | null;
  /** The task whose run opened it. */
  task_id: string;
  flow_id: string | null;
  agent: string | null;
  command: string | null;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
}
export type PullRequestRow = Selectable<PullRequestTable>;

/** What the service itself posted (comments, messages), so deliveries about its own posts never trigger it. */
export interface OutboundPostTable {
  provider: string;
  external_id: string;
  task_id: string | null;
  created_at: number;
}

type Json = string;
type Flag = number;

export interface SessionTable {
  session_id: string;
  user_id: string | null;
  machine_id: string | null;
  total_cost_usd: Generated<number>;
  total_tasks: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface ConversationTable {
  conversation_id: string;
  user_id: string | null;
  title: string;
  flow_id: string | null;
  source: string;
  claude_session_id: string | null;
  archived: Generated<Flag>;
  total_cost_usd: Generated<number>;
  task_count: Generated<number>;
  message_count: Generated<number>;
  created_at: number;
  updated_at: number;
}

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

export interface TaskEventTable {
  task_id: string;
  seq: number;
  type: string;
  item: Json;
  created_at: number;
}

export interface WebhookConfigTable {
  webhook_id: string;
  name: string;
  provider: string;
  secret: string;
  enabled: Generated<Flag>;
  trigger_phrase: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookCommandTable {
  command_id: string;
  webhook_id: string;
  name: string;
  /** Event type(s) the command runs on, comma-separated ('issues.opened', 'app_mention', '*' for any). */
  trigger: string;
  aliases: Json | null;
  description: string | null;
  /** Action settings: { labels } for github_label, { reaction } for github_reaction, { channel } for slack_message. */
  options: Json | null;
  conditions: Json | null;
  action: string;
  agent: string | null;
  template: string | null;
  priority: Generated<number>;
  permissions: Json | null;
  needs_approval: Generated<Flag>;
  stop_after_match: Generated<Flag>;
  enabled: Generated<Flag>;
  created_at: number;
  updated_at: number;
}

export interface WebhookEventTable {
  event_id: string;
  webhook_id: string | null;
  provider: string;
  event_type: string | null;
  delivery_id: string | null;
  /**
   * sha256 of `<endpoint>:<delivery id>`, unique: a redelivery to the same endpoint is recognised and creates nothing.
   * Set only on a delivery that has its outcome (never on one answered 5xx), in the transaction that stores it.
   */
  dedup_key: string | null;
  /** sha256 of the endpoint and the raw signed body, unique like dedup_key: the same body under a new id is a replay. */
  body_key: string | null;
  headers: Json;
  payload: string;
  verified: Flag;
  verification_error: string | null;
  matched_command: string | null;
  explanation: Json | null;
  rendered_prompt: string | null;
  task_id: string | null;
  outcome: string;
  status_code: number;
  replay_of: string | null;
  created_at: number;
}

/** A Claude Code session transcript, kept so any worker machine can resume a conversation. */
export interface ClaudeSessionTable {
  session_id: string;
  conversation_id: string | null;
  /** Transcripts saved before migration 0006; '' since (see transcript_br). */
  transcript: string;
  /** The transcript, brotli-compressed; null when none is kept (no conversation to resume, or pruned by retention). */
  transcript_br: Buffer | null;
  /** Claude Code reports cost and tokens cumulatively over a resumed session; these are the totals at the last run's end. */
  total_cost_usd: Generated<number>;
  input_tokens: Generated<number>;
  output_tokens: Generated<number>;
  cache_read_tokens: Generated<number>;
  cache_creation_tokens: Generated<number>;
  updated_at: number;
}

export type TaskRow = Selectable<TaskTable>;
export type NewTaskRow = Insertable<TaskTable>;
export type TaskUpdate = Updateable<TaskTable>;
export type ConversationRow = Selectable<ConversationTable>;
export type ConversationMessageRow = Selectable<ConversationMessageTable>;
export type SessionRow = Selectable<SessionTable>;
export type TaskEventRow = Selectable<TaskEventTable>;
export type WebhookEventRow = Selectable<WebhookEventTable>;
/** Unsigned webhook posts per provider: counted for ever, while only the newest few are kept as rows. */
export interface WebhookUnverifiedCountTable {
  provider: string;
  n: number;
  last_at: number;
}
export type WebhookConfigRow = Selectable<WebhookConfigTable>;
export type WebhookCommandRow = Selectable<WebhookCommandTable>;
export type Timestamp = ColumnType<number, number, number>;

/**
 * Finished tasks summed per time bucket and dimension (see src/storage/rollups.ts): `granularity` hour | day | month | total
 * (bucket 0), `dim` all | agent | model | source | requester | rule | outcome, `key` the dimension's value ('' when
 * unset). Kept by increments in the transaction that finishes a task; `d00`…`d23` count durations per bin.
 */
export interface TaskRollupTable extends Record<DurationBinColumn, number> {
  granularity: string;
  dim: string;
  bucket: number;
  key: string;
  tasks: number;
  successes: number;
  failures: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  num_turns: number;
  duration_count: number;
  duration_sum_ms: number;
  duration_max_ms: number;
}

/** A spending limit: per UTC day for global/source/requester/rule, per run for `task`. */
export interface BudgetTable {
  budget_id: string;
  scope: string;
  key: string | null;
  limit_usd: number;
  period: string;
  enabled: Flag;
  created_at: number;
  updated_at: number;
}

export type TaskRollupRow = Selectable<TaskRollupTable>;
export type BudgetRow = Selectable<BudgetTable>;

/** An agent of the registry: the whole markdown file. A built-in keeps its shipped content for restore. */
export interface RegistryAgentTable {
  name: string;
  content: string;
  builtin: Generated<Flag>;
  overridden: Generated<Flag>;
  shipped_content: string | null;
  created_at: number;
  updated_at: number;
}

/** A skill of the registry: a folder, as JSON `{ "SKILL.md": "…", "reference.md": "…" }`. */
export interface RegistrySkillTable {
  name: string;
  files: Json;
  builtin: Generated<Flag>;
  overridden: Generated<Flag>;
  shipped_files: Json | null;
  webhook_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface RegistryMetaTable {
  key: string;
  value: number;
}

export interface TaskSkillTable {
  task_id: string;
  skill: string;
  uses: Generated<number>;
  created_at: number;
}

export interface McpGrantTable {
  token_hash: string;
  task_id: string;
  created_at: number;
  expires_at: number;
}

export type RegistryAgentRow = Selectable<RegistryAgentTable>;
export type RegistrySkillRow = Selectable<RegistrySkillTable>;

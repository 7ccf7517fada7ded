import type { BudgetTable, TaskRollupTable } from './schema/analytics-tables.js';
import type { PullRequestTable } from './schema/delivery-tables.js';
import type {
  McpGrantTable,
  RegistryAgentTable,
  RegistryMetaTable,
  RegistrySkillTable,
  TaskSkillTable,
} from './schema/registry-tables.js';
import type { AfterRunStepTable, ScheduleFiringTable, TaskStormTable } from './schema/schedule-tables.js';
import type {
  ClaudeSessionTable,
  ConversationMessageTable,
  ConversationTable,
  SessionTable,
  TaskEventTable,
  TaskTable,
  TranscriptPartTable,
  WorkerTable,
} from './schema/task-tables.js';
import type {
  FlowLinkTable,
  OutboundPostTable,
  PermissionWaitTable,
  WebhookCommandTable,
  WebhookConfigTable,
  WebhookEventTable,
  WebhookUnverifiedCountTable,
} from './schema/webhook-tables.js';

// One module to import table and row types from; each group of tables lives in ./schema/.
export type * from './schema/analytics-tables.js';
export type { Timestamp } from './schema/columns.js';
export type * from './schema/delivery-tables.js';
export type * from './schema/registry-tables.js';
export type * from './schema/schedule-tables.js';
export type * from './schema/task-tables.js';
export type * from './schema/webhook-tables.js';

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
  transcript_parts: TranscriptPartTable;
  outbound_posts: OutboundPostTable;
  task_rollups: TaskRollupTable;
  budgets: BudgetTable;
  registry_agents: RegistryAgentTable;
  registry_skills: RegistrySkillTable;
  registry_meta: RegistryMetaTable;
  task_skills: TaskSkillTable;
  mcp_grants: McpGrantTable;
  workers: WorkerTable;
  schedule_firings: ScheduleFiringTable;
  task_storms: TaskStormTable;
  flow_links: FlowLinkTable;
  pull_requests: PullRequestTable;
  permission_waits: PermissionWaitTable;
  after_run_steps: AfterRunStepTable;
}

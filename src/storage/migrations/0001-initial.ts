import type { Kysely } from 'kysely';

// Types that mean the same on SQLite and PostgreSQL: bigint for epoch ms, double precision for dollars, integer 0/1
// for flags, text for JSON.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('session_id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text')
    .addColumn('machine_id', 'text')
    .addColumn('total_cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('total_tasks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('conversations')
    .addColumn('conversation_id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('flow_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('claude_session_id', 'text')
    .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total_cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('task_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('message_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('conversations_updated').on('conversations').columns(['updated_at', 'conversation_id']).execute();
  await db.schema.createIndex('conversations_flow').on('conversations').column('flow_id').execute();

  await db.schema
    .createTable('conversation_messages')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.conversation_id').onDelete('cascade'))
    .addColumn('task_id', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('conversation_messages_by_conversation')
    .on('conversation_messages')
    .columns(['conversation_id', 'created_at', 'message_id'])
    .execute();

  await db.schema
    .createTable('tasks')
    .addColumn('task_id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'text')
    .addColumn('flow_id', 'text')
    .addColumn('parent_task_id', 'text')
    .addColumn('external_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_metadata', 'text')
    .addColumn('requester', 'text')
    .addColumn('rule', 'text')
    .addColumn('assigned_agent', 'text')
    .addColumn('model', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('input_message', 'text', (c) => c.notNull())
    .addColumn('prompt', 'text')
    .addColumn('system_prompt_append', 'text')
    .addColumn('permission_mode', 'text')
    .addColumn('allowed_tools', 'text')
    .addColumn('disallowed_tools', 'text')
    .addColumn('max_turns', 'integer')
    .addColumn('budget_usd', 'double precision')
    .addColumn('output', 'text')
    .addColumn('error', 'text')
    .addColumn('outcome', 'text')
    .addColumn('cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cache_read_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cache_creation_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('num_turns', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('duration_ms', 'bigint')
    .addColumn('claude_session_id', 'text')
    .addColumn('resume_session_id', 'text')
    .addColumn('working_dir', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('worker_id', 'text')
    .addColumn('child_pid', 'integer')
    .addColumn('heartbeat_at', 'bigint')
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('event_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('webhook_event_id', 'text')
    .addColumn('post_back_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('queued_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // Listing newest first, by status, by conversation, by session; flows for webhook threads.
  await db.schema.createIndex('tasks_created').on('tasks').columns(['created_at', 'task_id']).execute();
  await db.schema.createIndex('tasks_status_created').on('tasks').columns(['status', 'created_at', 'task_id']).execute();
  await db.schema.createIndex('tasks_conversation_created').on('tasks').columns(['conversation_id', 'created_at']).execute();
  await db.schema.createIndex('tasks_session_created').on('tasks').columns(['session_id', 'created_at']).execute();
  await db.schema.createIndex('tasks_flow').on('tasks').column('flow_id').execute();

  await db.schema
    .createTable('task_events')
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('item', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('task_events_pk', ['task_id', 'seq'])
    .execute();

  await db.schema
    .createTable('webhook_configs')
    .addColumn('webhook_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('trigger_phrase', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_commands')
    .addColumn('command_id', 'text', (c) => c.primaryKey())
    .addColumn('webhook_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('aliases', 'text')
    .addColumn('description', 'text')
    .addColumn('options', 'text')
    .addColumn('conditions', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('agent', 'text')
    .addColumn('template', 'text')
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(100))
    .addColumn('permissions', 'text')
    .addColumn('needs_approval', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('stop_after_match', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_commands_by_webhook').on('webhook_commands').columns(['webhook_id', 'priority']).execute();

  await db.schema
    .createTable('webhook_events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('webhook_id', 'text')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text')
    .addColumn('delivery_id', 'text')
    .addColumn('dedup_key', 'text')
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('verified', 'integer', (c) => c.notNull())
    .addColumn('verification_error', 'text')
    .addColumn('matched_command', 'text')
    .addColumn('explanation', 'text')
    .addColumn('rendered_prompt', 'text')
    .addColumn('task_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('replay_of', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_events_dedup').unique().on('webhook_events').column('dedup_key').execute();
  await db.schema.createIndex('webhook_events_by_webhook').on('webhook_events').columns(['webhook_id', 'created_at']).execute();
  await db.schema.createIndex('webhook_events_by_provider').on('webhook_events').columns(['provider', 'created_at']).execute();

  await db.schema
    .createTable('claude_sessions')
    .addColumn('session_id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text')
    .addColumn('transcript', 'text', (c) => c.notNull())
    .addColumn('total_cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cache_read_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cache_creation_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('outbound_posts')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('task_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('outbound_posts_pk', ['provider', 'external_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'outbound_posts',
    'claude_sessions',
    'webhook_events',
    'webhook_commands',
    'webhook_configs',
    'task_events',
    'tasks',
    'conversation_messages',
    'conversations',
    'sessions',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}

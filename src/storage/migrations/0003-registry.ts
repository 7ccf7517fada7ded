import type { Kysely } from 'kysely';

// The registry of agents and skills lives in the database (every worker machine sees the same one, and users' edits
// survive a redeploy); workers materialise it on disk before a run. Types as in 0001: bigint epoch ms, 0/1 flags,
// JSON as text.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('registry_agents')
    .addColumn('name', 'text', (c) => c.primaryKey())
    /** The whole markdown file, frontmatter included. */
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('overridden', 'integer', (c) => c.notNull().defaultTo(0))
    /** A built-in's content as shipped with the running release: what restore puts back. */
    .addColumn('shipped_content', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('registry_skills')
    .addColumn('name', 'text', (c) => c.primaryKey())
    /** JSON object: relative path → file content; SKILL.md always among them. */
    .addColumn('files', 'text', (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('overridden', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('shipped_files', 'text')
    /** The webhook config this skill's `webhook_config` created; deleting the skill deletes it. */
    .addColumn('webhook_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // One counter, moved by every registry write in the same transaction: a worker compares it with what it last
  // materialised, so "has anything changed?" costs one row read per run.
  await db.schema
    .createTable('registry_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('registry_meta').values({ key: 'version', value: 0 }).execute();

  // Skills a finished task used (from its `Skill` tool calls), for the per-skill figures.
  await db.schema
    .createTable('task_skills')
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('skill', 'text', (c) => c.notNull())
    .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('task_skills_pk', ['task_id', 'skill'])
    .execute();
  await db.schema.createIndex('task_skills_by_skill').on('task_skills').columns(['skill', 'task_id']).execute();

  // One-time credentials for a dashboard run's management tools (/mcp/<token>): only the token's SHA-256 is kept.
  await db.schema
    .createTable('mcp_grants')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mcp_grants_by_task').on('mcp_grants').column('task_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['mcp_grants', 'task_skills', 'registry_meta', 'registry_skills', 'registry_agents']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}

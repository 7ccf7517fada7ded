import type { Kysely } from 'kysely';

// A dashboard conversation keeps what its runs share: the agent, model and permission mode chosen in the composer,
// and its workspace: `empty` (a folder of its own under DATA_DIR/workspaces), `path` (a folder under WORKSPACE_ROOTS,
// `workspace_ref` its absolute path) or `repository` (a checkout of `workspace_ref`, an http(s) clone URL).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('conversations').addColumn('agent', 'text').execute();
  await db.schema.alterTable('conversations').addColumn('model', 'text').execute();
  await db.schema.alterTable('conversations').addColumn('permission_mode', 'text').execute();
  await db.schema
    .alterTable('conversations')
    .addColumn('workspace_kind', 'text', (c) => c.notNull().defaultTo('empty'))
    .execute();
  await db.schema.alterTable('conversations').addColumn('workspace_ref', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['workspace_ref', 'workspace_kind', 'permission_mode', 'model', 'agent']) {
    await db.schema.alterTable('conversations').dropColumn(column).execute();
  }
}

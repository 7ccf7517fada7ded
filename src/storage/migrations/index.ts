import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-analytics.js';
import * as m0003 from './0003-registry.js';
import * as m0004 from './0004-webhook-ingest.js';
import * as m0005 from './0005-workers.js';
import * as m0006 from './0006-storage-budget.js';
import * as m0007 from './0007-pull-requests.js';
import * as m0008 from './0008-flow-links.js';
import * as m0009 from './0009-scheduled-rules.js';
import * as m0010 from './0010-conversation-workspace.js';
import * as m0011 from './0011-permission-waits.js';
import * as m0012 from './0012-transcript-parts.js';
import * as m0013 from './0013-after-run-steps.js';
import * as m0014 from './0014-unverified-index.js';

// Migrations are code, listed here in order, so the compiled service needs no migration folder on disk.
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-analytics': m0002,
  '0003-registry': m0003,
  '0004-webhook-ingest': m0004,
  '0005-workers': m0005,
  '0006-storage-budget': m0006,
  '0007-pull-requests': m0007,
  '0008-flow-links': m0008,
  '0009-scheduled-rules': m0009,
  '0010-conversation-workspace': m0010,
  '0011-permission-waits': m0011,
  '0012-transcript-parts': m0012,
  '0013-after-run-steps': m0013,
  '0014-unverified-index': m0014,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/**
 * `schema` (PostgreSQL) keeps the migrator's own tables in the service's schema: without it Kysely looks for them in
 * every schema and can mistake another deployment's (or a concurrent test run's) tables for its own.
 */
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<string[]> {
  return migrateTo(db, undefined, schema);
}

/** Up (or down) to migration `name`; undefined: the latest. Tests use it to build a database as an older release left it. */
export async function migrateTo(db: Kysely<any>, name: string | undefined, schema?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticProvider(), ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await (name === undefined ? migrator.migrateToLatest() : migrator.migrateTo(name));
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

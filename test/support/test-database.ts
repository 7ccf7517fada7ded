// A database of a suite's own on each dialect the storage code speaks: SQLite in a temp file, and the machine's real
// PostgreSQL in a fresh schema. One suite, every dialect: the same assertions run on both.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStorage, type Storage } from '../../src/storage/db.js';
import { createRepositories, type Repositories } from '../../src/storage/repositories/index.js';
import { dropSchema, freshSchemaName, hasPostgres, POSTGRES_URL } from './services.js';

export const STORAGE_DIALECTS = [
  { name: 'sqlite', skip: false },
  { name: 'postgres', skip: !hasPostgres },
] as const;

export type StorageDialect = (typeof STORAGE_DIALECTS)[number]['name'];

export interface TestDatabase {
  /** A temp directory of the suite's (the SQLite file is in it; a suite may use it as DATA_DIR too). */
  dir: string;
  /** The PostgreSQL schema (unused on SQLite). */
  schema: string;
  /** Opens the database (migrated unless `migrate: false`); may be called again, e.g. to see migrations re-run. */
  open(opts?: { migrate?: boolean }): Promise<Storage>;
  /** `open()` with the repositories over it. */
  openRepositories(): Promise<{ storage: Storage; repos: Repositories }>;
  /** Closes what `open` opened and is still open, drops the schema and removes the directory. */
  close(): Promise<void>;
}

/** Made when the suite is defined (dir and schema exist at once); nothing is opened until `open`. */
export function testDatabase(dialect: StorageDialect, dirPrefix: string): TestDatabase {
  const schema = freshSchemaName();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), dirPrefix));
  const opened = new Set<Storage>();
  const open = async ({ migrate }: { migrate?: boolean } = {}) => {
    const storage =
      dialect === 'postgres' ? await openStorage({ databaseUrl: POSTGRES_URL, schema, migrate }) : await openStorage({ sqliteFile: path.join(dir, 'agent.db'), migrate });
    // Closed once, whether by the suite or by close() below (a PostgreSQL pool refuses a second end).
    const own: Storage = { ...storage, close: async () => void (opened.delete(own) && (await storage.close())) };
    opened.add(own);
    return own;
  };
  return {
    dir,
    schema,
    open,
    async openRepositories() {
      const storage = await open();
      return { storage, repos: createRepositories(storage.db) };
    },
    async close() {
      for (const storage of [...opened]) await storage.close();
      if (dialect === 'postgres') await dropSchema(schema);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `repos` whose task repository awaits `after(n)` when its n-th call (any method) has returned, before handing the
 * result back: how a test forces another party's step (a worker's claim) into a given moment of a multi-step call.
 */
export function afterEachTaskCall(repos: Repositories, after: (n: number) => Promise<void>): Repositories {
  let calls = 0;
  const tasks = new Proxy(repos.tasks, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const out = await value.apply(target, args);
        await after(++calls);
        return out;
      };
    },
  });
  return { ...repos, tasks };
}

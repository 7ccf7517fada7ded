// A describe block of service processes on PostgreSQL + Redis (vitest hooks; service-process.ts itself imports no test
// runner, so bench/soak can start processes with it).
import fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { startScriptedModel, type ScriptedModel } from './scripted-model.js';
import { dropSchema, freshRedisPrefix, freshSchemaName, POSTGRES_URL, REDIS_URL } from './services.js';

export interface ProcessSuite {
  /** The PostgreSQL schema the block's processes share. */
  schema: string;
  /** Their DATA_DIR. */
  dataDir: string;
  readonly model: ScriptedModel;
  /** What every process of the block runs with: the shared schema and DATA_DIR, a fresh Redis prefix per call, no sandbox. */
  env(): Record<string, string>;
}

/**
 * For a describe block of service processes on PostgreSQL + Redis: a scripted model (started before the block's
 * tests) and a schema and DATA_DIR of its own, all gone after them.
 */
export function processSuite(name: string): ProcessSuite {
  let model: ScriptedModel | undefined;
  const schema = freshSchemaName();
  const dataDir = `/tmp/cca-${name}-${schema}`;
  beforeAll(async () => {
    model = await startScriptedModel();
  });
  afterAll(async () => {
    await model?.close();
    await dropSchema(schema);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    schema,
    dataDir,
    get model() {
      if (!model) throw new Error('the scripted model starts in beforeAll');
      return model;
    },
    env() {
      return {
        DATABASE_URL: POSTGRES_URL,
        DATABASE_SCHEMA: schema,
        REDIS_URL,
        REDIS_PREFIX: freshRedisPrefix(),
        DATA_DIR: dataDir,
        ANTHROPIC_BASE_URL: this.model.url,
        ANTHROPIC_API_KEY: 'test-key-not-secret',
        DEFAULT_MODEL: 'claude-sonnet-4-5',
        SANDBOX: 'off',
      };
    },
  };
}

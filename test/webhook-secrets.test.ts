/**
 * The redactor knows every dynamic webhook's secret in every process: one created, rotated or deleted by an API
 * process is redacted (or no longer) by a worker process too, over the shared database and the event bus.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { REDACTED } from '../src/security/redactor.js';
import { createServices, type Services } from '../src/services.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { freshRedisPrefix, freshSchemaName, hasPostgres, hasRedis, POSTGRES_URL, REDIS_URL } from './support/services.js';

describe.skipIf(!(hasPostgres && hasRedis))('webhook secrets across processes', () => {
  let model: ScriptedModel;
  let worker: Harness;
  let api: Services;
  let apiDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    const schema = freshSchemaName();
    const redisPrefix = freshRedisPrefix();
    model = await startScriptedModel();
    worker = await startHarness({ model, distributed: true, schema, redisPrefix });
    apiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-api-'));
    env = { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema, REDIS_URL, REDIS_PREFIX: redisPrefix, LOG_LEVEL: 'silent' };
    api = await createServices(loadConfig({ ...env, DATA_DIR: apiDir }), { role: 'api' });
  });
  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await model?.close();
    fs.rmSync(apiDir, { recursive: true, force: true });
  });

  const redactedBy = (s: Services, secret: string) => s.redactor.redact(`x ${secret} y`) === `x ${REDACTED} y`;
  const eventually = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 20_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`not within 20 s: ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('a secret created, rotated or deleted in one process is redacted, or no longer, in the others', async () => {
    const first = 'created-in-the-api-process-0001';
    const row = await api.repos.webhooks.create({ name: 'elsewhere', provider: 'generic', secret: first });
    expect(redactedBy(api, first)).toBe(true); // at once where it was made
    await eventually(() => redactedBy(worker.services, first), 'the worker redacts the new secret');

    const second = 'rotated-in-the-api-process-0002';
    await api.repos.webhooks.update(row.webhook_id, { secret: second });
    await eventually(() => redactedBy(worker.services, second) && !redactedBy(worker.services, first), 'the worker follows the rotation');

    await api.repos.webhooks.delete(row.webhook_id);
    await eventually(() => !redactedBy(worker.services, second) && !redactedBy(api, second), 'both forget the deleted secret');
  });

  it('a process that starts later loads the secrets that exist', async () => {
    const secret = 'existing-before-start-0003';
    await api.repos.webhooks.create({ name: 'existing', provider: 'generic', secret });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-late-'));
    const late = await createServices(loadConfig({ ...env, DATA_DIR: dir }), { role: 'api' });
    try {
      expect(redactedBy(late, secret)).toBe(true);
    } finally {
      await late.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

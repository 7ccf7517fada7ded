import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import { openStorage, type Storage } from './db.js';
import { createRepositories } from './repositories/index.js';

const MB = 1024 * 1024;

/** 6 MB of deliveries, 100 KB each: more than the 1,000 pages at which a connection would checkpoint by itself. */
async function writeSixMegabytes(storage: Storage): Promise<void> {
  const repos = createRepositories(storage.db);
  for (let i = 0; i < 60; i++) {
    await repos.webhookEvents.insert({
      webhook_id: null, provider: 'github', event_type: 'issues.opened', delivery_id: `d${i}`, dedup_key: `k${i}`, body_key: `b${i}`,
      headers: {}, payload: `{"n":${i},"pad":"${'x'.repeat(100 * 1024)}"}`, verified: true, verification_error: null, outcome: 'ignored', status_code: 200,
    });
  }
}

describe('WAL checkpoints off the event loop (SQLite file)', () => {
  let dir: string;
  let storage: Storage | undefined;
  const file = () => path.join(dir, 'agent.db');
  afterEach(async () => {
    await storage?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('no commit of the service connection checkpoints: what it writes stays in the log until the checkpointer copies it', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-wal-'));
    storage = await openStorage({ sqliteFile: file(), checkpointEveryMs: 3_600_000 }); // the checkpointer never comes round
    await writeSixMegabytes(storage);
    expect(fs.statSync(`${file()}-wal`).size).toBeGreaterThan(6 * MB);
    expect(fs.statSync(file()).size).toBeLessThan(1 * MB);
    await storage.close(); // the last connection to close checkpoints what is left
    storage = await openStorage({ sqliteFile: file() });
    expect(fs.statSync(file()).size).toBeGreaterThan(6 * MB);
    expect(await storage.db.selectFrom('webhook_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 60 });
  });

  it('the checkpointer copies the log into the database file while the service keeps writing', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-wal-'));
    storage = await openStorage({ sqliteFile: file(), checkpointEveryMs: 20 });
    await writeSixMegabytes(storage);
    await eventually(() => fs.statSync(file()).size > 6 * MB, 'the database file holds the 6 MB written');
  });
});

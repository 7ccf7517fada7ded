import { spawnSync } from 'node:child_process';
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

  it('closing waits for the checkpointer in a process that has nothing else to do (migrate, the bench seeding)', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-wal-'));
    // The checkpointer's thread does not hold the process open; closing must, until the thread is gone, or the process
    // ends in the middle of close() with status 0 and whatever follows never runs.
    const script = path.join(dir, 'open-close.mts');
    fs.writeFileSync(
      script,
      [
        `import { openStorage } from ${JSON.stringify(path.resolve('src/storage/db.ts'))};`,
        `const storage = await openStorage({ sqliteFile: ${JSON.stringify(file())} });`,
        'await storage.close();',
        "console.log('after close');",
      ].join('\n'),
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('after close\n');
  }, 70_000);
});

// DATA_DIR full (SQLite in DATA_DIR on a 6 MB tmpfs of the test's own): writes answer 507 naming the data directory
// instead of 500, a running task fails with a clear error instead of staying `running`, /health reports the disk, and
// the service starts on an almost full disk (degraded), and on one with 0 bytes free, instead of exiting.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountSmallDisk, type SmallDisk } from './support/faults.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

const rootOnly = process.getuid?.() !== 0;

describe.skipIf(rootOnly)('DATA_DIR full', () => {
  let model: ScriptedModel;
  let disk: SmallDisk;
  const open: Harness[] = [];
  const start = async () => {
    const h = await startHarness({ model, dataDir: disk.dir, env: { SANDBOX: 'off', DATA_DIR_MIN_FREE_MB: '1' } });
    open.push(h);
    return h;
  };

  beforeAll(async () => {
    model = await startScriptedModel();
    disk = mountSmallDisk(6 * 1024 * 1024);
  });
  afterAll(async () => {
    disk?.free();
    for (const h of open) await h.close().catch(() => undefined);
    disk?.unmount();
    await model?.close();
  });

  it('answers 507 naming DATA_DIR, fails the running task clearly, reports the disk, and starts again when full', async () => {
    const h = await start();
    const healthy = await h.request('GET', '/health');
    expect(healthy.status).toBe(200);
    expect(healthy.body.checks.disk).toBe('ok');
    expect(healthy.body.disk.free_bytes).toBeGreaterThan(1024 * 1024);

    const running = await h.request('POST', '/api/chat', { message: '[[script:slow 3000 never stored]] long' });
    await h.waitForTask(running.body.task_id, ['running']);
    disk.fill();

    // SQLite reuses the room its write-ahead log already has (checkpointed every second, off the event loop), so a
    // write or two may still fit; once one does not, it is refused with 507 — never a 500, never lost silently.
    let refused = await h.request('POST', '/api/chat', { message: 'no room for this' });
    for (let sent = 1; refused.status === 202 && sent < 500; sent++) refused = await h.request('POST', '/api/chat', { message: `no room for this ${sent}` });
    expect(refused.status).toBe(507);
    expect(refused.body.error).toContain(disk.dir);
    const full = await h.request('GET', '/health');
    expect(full.status).toBe(503);
    expect(full.body.checks.disk).toMatch(/free/);
    expect(full.body.disk.free_bytes).toBeLessThan(1024 * 1024);

    const failed = await h.waitForTask(running.body.task_id, ['completed', 'failed'], 60_000);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/no space left|full/i);

    // Its last checkpoint folds the WAL into the database, which frees some of the disk: filled again, then 256 KB
    // given back (SQLite needs a little room to open its WAL), the disk is well below DATA_DIR_MIN_FREE_MB.
    await h.close();
    disk.fill();
    const filler = path.join(disk.dir, 'filler');
    fs.truncateSync(filler, Math.max(0, fs.statSync(filler).size - 256 * 1024));
    const again = await start(); // on the almost full disk
    expect((await again.request('GET', '/health')).body.status).toBe('degraded');
    disk.free();
    const accepted = await again.request('POST', '/api/chat', { message: '[[script:text room again]] hi' });
    expect(accepted.status).toBe(202);
    expect((await again.waitForTask(accepted.body.task_id)).output).toBe('room again');
    await again.close();
  }, 120_000);

  it('starts on a disk with 0 bytes free, giving up its space reserve to open the database, and reports the disk', async () => {
    disk.free();
    const first = await start(); // leaves its space reserve behind
    await first.close();
    expect(fs.existsSync(path.join(disk.dir, '.space-reserve'))).toBe(true);
    disk.fill();
    expect(fs.statfsSync(disk.dir).bavail).toBe(0);

    const h = await start();
    const health = await h.request('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.checks.database).toBe('ok');
    expect(health.body.checks.disk).toMatch(/^low: \d+ bytes free/);
    expect(health.body.disk.free_bytes).toBeLessThan(1024 * 1024);
    disk.free();
    const accepted = await h.request('POST', '/api/chat', { message: '[[script:text started on a full disk]] hi' });
    expect(accepted.status).toBe(202);
    expect((await h.waitForTask(accepted.body.task_id)).output).toBe('started on a full disk');
  }, 120_000);
});

// The cluster's rules in the database, on every dialect: a worker that stops beating is found dead by exactly one
// sweeper and its runs recovered; a late result of the attempt that worker ran is discarded (fenced), not recorded
// over the newer attempt's; and a claim past GLOBAL_MAX_CONCURRENT_TASKS or a fair share is refused, even when many
// workers claim at once.
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleAttempt } from '../src/cluster/fencing.js';
import { WorkerRegistry, workerState } from '../src/cluster/worker-registry.js';
import { loadConfig } from '../src/config.js';
import { LocalEventBus } from '../src/live/event-bus.js';
import { createLogger } from '../src/logger.js';
import { EmbeddedQueue } from '../src/queue/embedded-queue.js';
import type { Storage } from '../src/storage/db.js';
import type { Repositories } from '../src/storage/repositories/index.js';
import { TaskService } from '../src/tasks/task-service.js';
import { recover } from '../src/worker/recovery.js';
import { STORAGE_DIALECTS, testDatabase } from './support/test-database.js';

const load = { running: 1, capacity: 3, draining: false };

for (const dialect of STORAGE_DIALECTS) {
  describe.skipIf(dialect.skip)(`cluster rules on ${dialect.name}`, () => {
    let storage: Storage;
    let repos: Repositories;
    let registry: WorkerRegistry;
    const queue = new EmbeddedQueue(); // nothing consumes it: the tests play the workers' part
    const bus = new LocalEventBus();
    const db = testDatabase(dialect.name, 'cca-cluster-rules-');
    const config = loadConfig({ DATA_DIR: db.dir, LOG_LEVEL: 'silent' });
    const log = createLogger(config);
    let n = 0;

    beforeAll(async () => {
      ({ storage, repos } = await db.openRepositories());
      registry = new WorkerRegistry(storage.db);
    });
    afterAll(async () => {
      await queue.close();
      await db.close();
    });

    const newTask = (extra: { requester?: string; source?: string } = {}) =>
      new TaskService({ config, repos, queue, bus, log }).create({ session_id: 'sess-cluster', source: extra.source ?? 'dashboard', requester: extra.requester, input_message: `task ${++n}` });
    const claim = (taskId: string, workerId: string, limits = {}) => repos.tasks.claim(taskId, { started_at: Date.now(), worker_id: workerId, attempts: 1 }, Date.now(), limits);

    it('a worker that stops beating is marked gone by one sweeper only, and its running task is requeued with its fence cleared', async () => {
      const now = Date.now();
      const who = (id: string) => ({ worker_id: id, host: os.hostname(), pid: 999_999, version: 't', started_at: now - 60_000, metrics_port: null });
      await registry.register(who('w-dead'), load, now - 30_000);
      await registry.register(who('w-live'), load, now);
      const task = await newTask();
      const { row } = await claim(task.task_id, 'w-dead');
      expect(row?.fence_id).toMatch(/^fence_/);

      const sweeps = await Promise.all([registry.sweepDead(now, 10_000), registry.sweepDead(now, 10_000)]);
      expect(sweeps.flat()).toEqual(['w-dead']);
      const rows = await registry.list(now);
      expect(rows.map((w) => [w.worker_id, workerState(w, now, 10_000)]).sort()).toEqual([
        ['w-dead', 'gone'],
        ['w-live', 'live'],
      ]);

      const report = await recover({ repos, queue, bus, log, soleWorker: false, deadWorkers: new Set(['w-dead']) });
      expect(report.requeued).toEqual([task.task_id]);
      expect(await repos.tasks.get(task.task_id)).toMatchObject({ status: 'queued', fence_id: null, worker_id: null });
      expect(await queue.contains(task.task_id)).toBe(true); // offered again at once
      await queue.remove(task.task_id);
    });

    it('the late result of an attempt presumed dead is discarded; the newer attempt records its own once', async () => {
      const task = await newTask();
      const first = (await claim(task.task_id, 'w-paused')).row!;
      await recover({ repos, queue, bus, log, soleWorker: false, deadWorkers: new Set(['w-paused']) });
      await queue.remove(task.task_id);
      const second = (await claim(task.task_id, 'w-other')).row!;
      expect(second.fence_id).not.toBe(first.fence_id);

      // The paused worker wakes up and reports: nothing is recorded, not even its child pid.
      expect(await repos.tasks.updateRun(task.task_id, first.fence_id, { child_pid: 4242 })).toBeUndefined();
      expect(await settleAttempt(repos.tasks, first, 'complete', { output: 'late', outcome: 'success' }, log)).toBeUndefined();
      expect(await repos.tasks.get(task.task_id)).toMatchObject({ status: 'running', worker_id: 'w-other', child_pid: null, output: null });

      const done = await settleAttempt(repos.tasks, second, 'complete', { output: 'on time', outcome: 'success' }, log);
      expect(done).toMatchObject({ status: 'completed', output: 'on time' });
      // The same settle retried (its commit's answer lost): it finds its own write and reports it, once recorded.
      expect(await settleAttempt(repos.tasks, second, 'complete', { output: 'on time', outcome: 'success' }, log)).toMatchObject({ status: 'completed' });
      expect(await settleAttempt(repos.tasks, first, 'fail', { outcome: 'error' }, log)).toBeUndefined();
      expect(await repos.tasks.get(task.task_id)).toMatchObject({ status: 'completed', output: 'on time' });
    });

    it('under GLOBAL_MAX_CONCURRENT_TASKS a dead worker\'s recovered task keeps its slot: new work cannot take it first', async () => {
      // Earlier tests' rows: running ones, and the first test's task, recovered and waiting to run again.
      const waitingAgain = (await repos.tasks.idsWithStatus('queued')).filter((t) => Number(t.attempts) > 0 && !t.cancel_requested);
      const others = (await repos.tasks.idsWithStatus('running')).length + waitingAgain.length;
      const limits = { global: others + 1 };
      const recovered = await newTask();
      expect((await claim(recovered.task_id, 'w-gone-2', limits)).row).toBeDefined();
      await recover({ repos, queue, bus, log, soleWorker: false, deadWorkers: new Set(['w-gone-2']) });
      expect(await repos.tasks.get(recovered.task_id)).toMatchObject({ status: 'queued', attempts: 1 });

      // Its slot is free, but a newer task asking first is refused: the recovered one runs again first.
      const newer = await newTask();
      expect((await claim(newer.task_id, 'w-live-2', limits)).limitedBy).toMatch(/GLOBAL_MAX_CONCURRENT_TASKS/);
      const again = await repos.tasks.claim(recovered.task_id, { started_at: Date.now(), worker_id: 'w-live-2', attempts: 2 }, Date.now(), limits);
      expect(again.row).toMatchObject({ status: 'running', attempts: 2 });
      // Once it ends, the newer task gets the slot.
      await settleAttempt(repos.tasks, again.row!, 'complete', { outcome: 'success' }, log);
      const next = await claim(newer.task_id, 'w-live-2', limits);
      expect(next.row).toBeDefined();
      await settleAttempt(repos.tasks, next.row!, 'complete', { outcome: 'success' }, log);
      for (const id of [recovered.task_id, newer.task_id]) await queue.remove(id);
    });

    it('claims at once from many workers never pass GLOBAL_MAX_CONCURRENT_TASKS or a fair share', async () => {
      const tasks = await Promise.all(Array.from({ length: 12 }, (_, i) => newTask({ requester: i < 8 ? 'noisy' : `quiet-${i}`, source: 'github' })));
      const limits = { global: 5, perRequester: 2 };
      const results = await Promise.all(tasks.map((t, i) => claim(t.task_id, `w-${i % 4}`, limits)));
      const claimed = results.filter((r) => r.row).map((r) => r.row!);
      const running = await repos.tasks.idsWithStatus('running');
      expect(running.filter((r) => tasks.some((t) => t.task_id === r.task_id))).toHaveLength(claimed.length);
      // Earlier tests left one task running (the 'w-other'-style rows are settled; the first test's was requeued).
      expect(running.length).toBeLessThanOrEqual(5);
      expect(claimed.filter((r) => r.requester === 'noisy').length).toBeLessThanOrEqual(2);
      expect(results.filter((r) => r.limitedBy).length).toBe(12 - claimed.length);
      expect(results.find((r) => r.limitedBy)?.limitedBy).toMatch(/GLOBAL_MAX_CONCURRENT_TASKS|FAIR_SHARE_MAX_PER_REQUESTER/);
      // A slot freed: the next claim passes.
      const waiting = tasks.find((t) => !claimed.some((c) => c.task_id === t.task_id) && t.requester !== 'noisy')!;
      await settleAttempt(repos.tasks, claimed[0]!, 'complete', { outcome: 'success' }, log);
      expect((await claim(waiting.task_id, 'w-9', limits)).row).toBeDefined();
    });
  });
}

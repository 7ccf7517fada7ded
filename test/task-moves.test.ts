// Who moves a task, on every dialect: approve only from waiting_approval, a claim and a cancel that race have exactly
// one winner, and a cancel that loses to a claim records the request instead of pretending the task is cancelled.
// The interleavings are forced by hand: the canceller's repository is wrapped so the worker's claim lands between
// the canceller's read and its write — the window the finding was about.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { ControlMessage } from '../src/live/event-bus.js';
import { LocalEventBus } from '../src/live/event-bus.js';
import { createLogger } from '../src/logger.js';
import { EmbeddedQueue } from '../src/queue/embedded-queue.js';
import type { Repositories } from '../src/storage/repositories/index.js';
import { TaskService } from '../src/tasks/task-service.js';
import { recover } from '../src/worker/recovery.js';
import { afterEachTaskCall, STORAGE_DIALECTS, testDatabase } from './support/test-database.js';

for (const dialect of STORAGE_DIALECTS) {
  describe.skipIf(dialect.skip)(`task moves on ${dialect.name}`, () => {
    let repos: Repositories;
    let queue: EmbeddedQueue;
    let bus: LocalEventBus;
    const control: ControlMessage[] = [];
    const db = testDatabase(dialect.name, 'cca-moves-');
    const config = loadConfig({ DATA_DIR: db.dir, LOG_LEVEL: 'silent' });
    const log = createLogger(config);
    let n = 0;

    beforeAll(async () => {
      ({ repos } = await db.openRepositories());
      queue = new EmbeddedQueue(); // nothing consumes it: the tests play the worker's part by hand
      bus = new LocalEventBus();
      bus.onControl((m) => control.push(m));
    });
    afterAll(async () => {
      await queue?.close();
      await db.close();
    });

    const service = (r: Repositories = repos) => new TaskService({ config, repos: r, queue, bus, log });
    const newTask = (needsApproval = false) =>
      service().create({ session_id: 'sess-moves', source: 'dashboard', input_message: `task ${++n}`, needs_approval: needsApproval });
    /** The worker's claim, as the worker makes it. */
    const claim = (taskId: string) => repos.tasks.transition(taskId, 'claim', { started_at: Date.now(), worker_id: 'test-worker' });

    it('approves only a task waiting for approval: approving a running task is refused and changes nothing', async () => {
      const task = await newTask(true);
      expect(task.status).toBe('waiting_approval');
      expect(await service().approve(task.task_id)).toMatchObject({ status: 'queued' });
      expect(await claim(task.task_id)).toMatchObject({ status: 'running' });
      await queue.remove(task.task_id); // delivered to the worker that claimed it

      expect(await service().approve(task.task_id)).toBeUndefined();
      expect(await repos.tasks.get(task.task_id)).toMatchObject({ status: 'running', worker_id: 'test-worker' });
      expect(await queue.contains(task.task_id)).toBe(false);
    });

    it('approving twice (two pollers, two API processes) queues the task once', async () => {
      const task = await newTask(true);
      const results = await Promise.all([service().approve(task.task_id), service().approve(task.task_id)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await service().approve(task.task_id)).toBeUndefined(); // queued now: not waiting any more
      expect(await repos.tasks.get(task.task_id)).toMatchObject({ status: 'queued' });
    });

    it('a worker claim landing anywhere inside a cancel: either the cancel wins and nothing runs, or the worker is asked to stop', async () => {
      // The finding: the cancel read "queued", the worker claimed, and the cancel then marked the running task
      // cancelled — the row said cancelled while the child ran on, and the worker's completion was refused.
      for (let k = 1; k <= 4; k++) {
        const task = await newTask();
        control.length = 0;
        let claimed: Awaited<ReturnType<typeof claim>> | 'not tried' = 'not tried';
        // The canceller's repository: right after its k-th call, the worker's claim happens.
        const racing = afterEachTaskCall(repos, async (n) => {
          if (n === k) claimed = await claim(task.task_id);
        });

        const result = await service(racing).cancel(task.task_id, 'cancelled by a user');
        if (claimed === 'not tried') claimed = await claim(task.task_id);
        const row = (await repos.tasks.get(task.task_id))!;
        if (claimed) {
          expect(result.outcome, `claim after call ${k}`).toBe('cancelling');
          expect(row).toMatchObject({ status: 'running', cancel_requested: 1 });
          expect(control).toEqual([{ type: 'cancel', task_id: task.task_id, reason: 'cancelled by a user' }]);
          // The run ends as the worker reports it: a stopped run is cancelled.
          expect(await repos.tasks.transition(task.task_id, 'cancelRun', { outcome: 'cancelled', completed_at: Date.now() })).toMatchObject({ status: 'cancelled' });
        } else {
          expect(result.outcome, `claim after call ${k}`).toBe('cancelled');
          expect(row).toMatchObject({ status: 'cancelled', outcome: 'cancelled', error: 'cancelled by a user' });
          expect(control).toEqual([]);
        }
      }
    });

    it('rejects only a task waiting for approval', async () => {
      const waiting = await newTask(true);
      const queued = await newTask();
      expect(await service().reject(queued.task_id, 'no')).toBeUndefined();
      expect((await repos.tasks.get(queued.task_id))!.status).toBe('queued');
      expect(await service().reject(waiting.task_id, 'no')).toMatchObject({ status: 'cancelled', outcome: 'cancelled', error: 'no' });
      expect(await service().approve(waiting.task_id)).toBeUndefined();
    });

    it('finishes a cancel whose canceller stopped halfway, at recovery; a running task with a recorded cancel is not retried', async () => {
      const left = await newTask();
      await repos.tasks.requestCancel(left.task_id, 'cancelled by a user');
      const running = await newTask();
      await claim(running.task_id);
      await repos.tasks.requestCancel(running.task_id, 'cancelled by a user');
      const report = await recover({ repos, queue, bus, log, soleWorker: true });
      expect(report.cancelled).toEqual(expect.arrayContaining([left.task_id, running.task_id]));
      expect(report.requeued).not.toContain(running.task_id);
      expect(report.enqueued).not.toContain(left.task_id);
      for (const id of [left.task_id, running.task_id]) {
        expect(await repos.tasks.get(id)).toMatchObject({ status: 'cancelled', outcome: 'cancelled', error: 'cancelled by a user' });
      }
    });

    it('a claim and a cancel of a queued task: exactly one wins, whichever comes first', async () => {
      for (let i = 0; i < 10; i++) {
        const task = await newTask();
        const [claimed, cancelled] = await Promise.all([claim(task.task_id), service().cancel(task.task_id, 'race')]);
        const row = (await repos.tasks.get(task.task_id))!;
        if (claimed) {
          expect(cancelled.outcome).toBe('cancelling');
          expect(row).toMatchObject({ status: 'running', cancel_requested: 1 });
        } else {
          expect(cancelled.outcome).toBe('cancelled');
          expect(row.status).toBe('cancelled');
        }
      }
    });

    it('a worker never claims a task whose cancel was already recorded', async () => {
      const task = await newTask();
      await repos.tasks.update(task.task_id, { cancel_requested: 1 });
      expect(await claim(task.task_id)).toBeUndefined();
      expect((await repos.tasks.get(task.task_id))!.status).toBe('queued');
    });

    it('a conversation runs one task at a time, oldest first, even when two workers claim its follow-ups at once', async () => {
      const conversation = await repos.conversations.create({ title: 'one run at a time', source: 'dashboard' });
      const inConversation = () =>
        service().create({ session_id: 'sess-moves', source: 'dashboard', input_message: `task ${++n}`, conversation_id: conversation.conversation_id });
      const first = await inConversation();
      const second = await inConversation();
      const third = await inConversation();
      const claimOne = (taskId: string) => repos.tasks.claim(taskId, { started_at: Date.now(), worker_id: 'test-worker' });

      // The newer ones race the oldest: only the oldest may start; each other is told what it waits for.
      const [c3, c2, c1] = await Promise.all([third, second, first].map((t) => claimOne(t.task_id)));
      expect(c1?.row?.status).toBe('running');
      expect(c2).toEqual({ blockedBy: first.task_id });
      expect(c3?.row).toBeUndefined();
      expect((await repos.tasks.get(second.task_id))!.status).toBe('queued');

      await repos.tasks.transition(first.task_id, 'complete', { completed_at: Date.now() });
      expect(await repos.tasks.nextInConversation(conversation.conversation_id)).toBe(second.task_id);
      // Two workers take the two waiting follow-ups at once: exactly one runs, the older one.
      const both = await Promise.all([claimOne(third.task_id), claimOne(second.task_id)]);
      expect(both.map((c) => c.row?.task_id ?? `blocked by ${c.blockedBy}`)).toEqual([`blocked by ${second.task_id}`, second.task_id]);
      // A task of another conversation (or of none) is never held up.
      expect((await claimOne((await newTask()).task_id)).row?.status).toBe('running');
    });
  });
}

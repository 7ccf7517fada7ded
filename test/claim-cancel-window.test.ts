// A cancel issued at every point of a worker's claim → spawn window, on the real worker, the real Claude Code CLI
// (against the scripted model) and every dialect. The points are reached by wrapping the worker's task repository:
// at a chosen call, before or after it, the test cancels the task through the real TaskService and then lets the
// worker go on. Whatever the point, the task must end `cancelled`, its child (if one was spawned) must be dead, and
// the run must never be reported `completed`.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetService } from '../src/budgets/budget-service.js';
import { loadConfig } from '../src/config.js';
import type { LiveEvent } from '../src/contracts/events.js';
import { LocalEventBus } from '../src/live/event-bus.js';
import { createLogger } from '../src/logger.js';
import { EmbeddedQueue } from '../src/queue/embedded-queue.js';
import { Redactor } from '../src/security/redactor.js';
import { resolveClaudePath } from '../src/services.js';
import type { Storage } from '../src/storage/db.js';
import type { Repositories } from '../src/storage/repositories/index.js';
import type { TaskRepository } from '../src/storage/repositories/tasks.js';
import { type CancelResult, TaskService } from '../src/tasks/task-service.js';
import { killTree } from '../src/worker/process-tree.js';
import { Worker } from '../src/worker/worker.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { afterEachTaskCall, STORAGE_DIALECTS, testDatabase } from './support/test-database.js';

type Method = 'claim' | 'updateRun';
interface Point {
  label: string;
  method: Method;
  /** Which call of that method (1-based), counting only calls `match` accepts. */
  nth: number;
  when: 'before' | 'after';
  match?: (args: unknown[]) => boolean;
  /** Whether a child may exist when the cancel lands. */
  spawned: boolean;
}

/** The row patch of a repository call: `update(id, patch)` or the fenced `updateRun(id, fence, patch)`. */
const patchOf = (args: unknown[]) => args.at(-1) as Record<string, unknown> | undefined;
const patchHas = (field: string) => (args: unknown[]) => {
  const patch = patchOf(args);
  return !!patch && typeof patch === 'object' && patch[field] !== undefined && patch[field] !== null;
};

const POINTS: Point[] = [
  // The claim is the worker's first call: it reads the task in the same statement (there is no read before it).
  { label: 'before the claim', method: 'claim', nth: 1, when: 'before', spawned: false },
  { label: 'right after the claim, before the run is registered', method: 'claim', nth: 1, when: 'after', spawned: false },
  { label: 'while the workspace is being prepared', method: 'updateRun', nth: 1, when: 'after', match: patchHas('working_dir'), spawned: false },
  { label: 'the child just spawned, its pid not yet recorded', method: 'updateRun', nth: 1, when: 'before', match: patchHas('child_pid'), spawned: true },
  { label: 'the child running, its pid recorded', method: 'updateRun', nth: 1, when: 'after', match: patchHas('child_pid'), spawned: true },
];

/** The worker's task repository, with a hook that runs once at the chosen call. */
function hooked(tasks: TaskRepository, point: Pick<Point, 'method' | 'nth' | 'when' | 'match'>, hook: () => Promise<void>, seen: { pid?: number }): TaskRepository {
  let count = 0;
  return new Proxy(tasks, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (prop === 'updateRun' && patchHas('child_pid')(args)) seen.pid = patchOf(args)!.child_pid as number;
        const hit = prop === point.method && (!point.match || point.match(args)) && ++count === point.nth;
        if (hit && point.when === 'before') await hook();
        const result = await value.apply(target, args);
        if (hit && point.when === 'after') await hook();
        return result;
      };
    },
  });
}

const alive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));

/** Resolves with the promise's outcome, or `timeout` when it has not settled by then (the run was never stopped). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([promise, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);
}

/** Long enough that no run can finish on its own within a test; a run that is not stopped shows as a timeout. */
const SLOW_PROMPT = 'Take your time [[script:slow 600000 never finished]]';
const STOP_WITHIN_MS = 30_000;

for (const dialect of STORAGE_DIALECTS) {
  describe.skipIf(dialect.skip)(`a cancel anywhere in the claim → spawn window, on ${dialect.name}`, () => {
    let model: ScriptedModel;
    let storage: Storage;
    let repos: Repositories;
    const db = testDatabase(dialect.name, 'cca-claim-cancel-');
    let config: ReturnType<typeof loadConfig>;
    let log: ReturnType<typeof createLogger>;

    beforeAll(async () => {
      model = await startScriptedModel();
      config = loadConfig({
        DATA_DIR: db.dir,
        CLAUDE_CONFIG_DIR: path.join(db.dir, 'claude-config'),
        ANTHROPIC_BASE_URL: model.url,
        ANTHROPIC_API_KEY: 'test',
        DEFAULT_MODEL: 'claude-sonnet-4-5',
        LOG_LEVEL: 'silent',
      });
      log = createLogger(config);
      ({ storage, repos } = await db.openRepositories());
    });
    afterAll(async () => {
      await storage?.close();
      await model?.close();
      await db.close();
    });

    /** A worker whose task repository is hooked; the queue and bus are its own, the database is shared. */
    function workerWith(tasks: TaskRepository, bus: LocalEventBus) {
      const queue = new EmbeddedQueue();
      const worker = new Worker({
        config,
        repos: { ...repos, tasks },
        queue,
        bus,
        log,
        claudePath: resolveClaudePath(config),
        budgets: new BudgetService(repos),
        redactor: new Redactor(config.secretValues),
      });
      worker.start();
      return { worker, queue, canceller: new TaskService({ config, repos, queue, bus, log }) };
    }

    const queuedTask = async () => {
      const id = `task_window_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
      await new TaskService({ config, repos, queue: new EmbeddedQueue(), bus: new LocalEventBus(), log }).create({
        task_id: id,
        session_id: 'sess-window',
        source: 'dashboard',
        input_message: SLOW_PROMPT,
      });
      return id;
    };

    async function expectCancelledAndDead(taskId: string, run: Promise<unknown>, seen: { pid?: number }, published: LiveEvent[]) {
      const settled = await within(run, STOP_WITHIN_MS);
      if (settled === 'timeout' && seen.pid) await killTree(seen.pid, 1000); // clean up what the worker failed to stop
      expect(settled, `the run was still going ${STOP_WITHIN_MS / 1000} s after the cancel`).not.toBe('timeout');
      const row = (await repos.tasks.get(taskId))!;
      expect(row).toMatchObject({ status: 'cancelled', outcome: 'cancelled' });
      expect(published.filter((e) => e.task_id === taskId).map((e) => e.type)).not.toContain('task.completed');
      if (seen.pid) expect(alive(seen.pid), `child ${seen.pid} is still alive`).toBe(false);
    }

    for (const point of POINTS) {
      it(`cancelled ${point.label}`, async () => {
        const taskId = await queuedTask();
        const bus = new LocalEventBus();
        const published: LiveEvent[] = [];
        bus.subscribe((e) => published.push(e));
        const seen: { pid?: number } = {};
        let result: CancelResult | undefined;
        let canceller: TaskService | undefined = undefined; // set once the worker exists; the hook reads it later
        const tasks = hooked(repos.tasks, point, async () => {
          result = await canceller!.cancel(taskId, 'cancelled by the test');
        }, seen);
        const w = workerWith(tasks, bus);
        canceller = w.canceller;
        try {
          await expectCancelledAndDead(taskId, w.worker.runTask(taskId), seen, published);
          expect(result?.outcome).toMatch(/^cancell(ed|ing)$/);
          if (!point.spawned) expect(seen.pid, 'no child should have been spawned').toBeUndefined();
        } finally {
          await w.worker.stop(0);
          await w.queue.close();
        }
      });
    }

    it("cancelled by a request whose first step came just before the worker's claim (it read \"queued\", in the finding)", async () => {
      const taskId = await queuedTask();
      const bus = new LocalEventBus();
      const published: LiveEvent[] = [];
      bus.subscribe((e) => published.push(e));
      const seen: { pid?: number } = {};
      let claimed!: () => void;
      const claimedNow = new Promise<void>((r) => (claimed = r));
      let cancelDone!: Promise<CancelResult>;
      // The worker announces its claim, then waits until the cancel has finished before it goes on.
      const tasks = hooked(repos.tasks, { method: 'claim', nth: 1, when: 'after' }, async () => {
        claimed();
        await cancelDone;
      }, seen);
      const w = workerWith(tasks, bus);
      // The canceller takes its first step (the finding's canceller read the task, still queued), then the worker
      // claims it, then the canceller goes on.
      const cancellerRepos = afterEachTaskCall(repos, async (n) => {
        if (n === 1) await claimedNow;
      });
      const canceller = new TaskService({ config, repos: cancellerRepos, queue: w.queue, bus, log });
      try {
        cancelDone = canceller.cancel(taskId, 'cancelled by the test');
        const run = w.worker.runTask(taskId);
        await expectCancelledAndDead(taskId, run, seen, published);
        expect((await cancelDone).outcome).toMatch(/^cancell(ed|ing)$/);
        expect(seen.pid, 'no child should have been spawned').toBeUndefined();
      } finally {
        await w.worker.stop(0);
        await w.queue.close();
      }
    });
  });
}

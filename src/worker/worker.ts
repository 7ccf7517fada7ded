import fs from 'node:fs';
import os from 'node:os';
import { newId } from '../domain/ids.js';
import { TaskRecorder } from '../live/task-recorder.js';
import type { Logger } from '../logger.js';
import type { Handled } from '../queue/queue.js';
import type { TaskRow } from '../storage/schema.js';
import type { StopReason } from './claude-run.js';
import { keepRefreshedLogin, removeClaudeState } from './claude-state.js';
import { type TaskObserver, TaskObservers } from './observers.js';
import type { RunContext, RunOutcome, WorkerDeps } from './run-context.js';
import { claimTask } from './steps/claim.js';
import { prepareRun } from './steps/prepare.js';
import { runClaude } from './steps/run.js';
import { settleRun } from './steps/settle.js';
import { HelperSpawner, type Spawner } from './spawner.js';

export { MAX_ATTEMPTS, type RunAdditions, type WorkerDeps } from './run-context.js';
export type { TaskObserver } from './observers.js';

const HEARTBEAT_MS = 5_000;

/**
 * Takes tasks from the queue, at most MAX_CONCURRENT_TASKS at once, and runs each in four steps: claim → prepare →
 * run → settle (src/worker/steps). Each step returns how the run ended as a value (RunOutcome); settle records it.
 */
export class Worker {
  readonly workerId: string;
  private readonly observers: TaskObservers;
  private readonly running = new Map<string, RunContext>();
  private peak = 0;
  private accepting = false;
  /** Queue deliveries being handled (a claim may be under way before its run is registered). */
  private handling = 0;
  private whenIdle?: () => void;
  /** Runs' Claude state directories being removed (after their runs have handed their slots over). */
  private readonly removals = new Set<Promise<void>>();
  private heartbeat?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  private readonly deps: WorkerDeps & { spawner: Spawner };

  constructor(deps: WorkerDeps) {
    this.workerId = deps.workerId ?? `${os.hostname()}/${process.pid}/${newId('w').slice(-6)}`;
    this.observers = new TaskObservers(deps.log);
    // Children are started by a small helper process, not by forking this one (see spawner.ts).
    this.deps = { ...deps, spawner: deps.spawner ?? new HelperSpawner(deps.log) };
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** The most tasks this worker has ever run at once (the concurrency limit must hold it down). */
  get peakConcurrency(): number {
    return this.peak;
  }

  /** Registers something that follows every run (post-back, the registry); returns the function that removes it. */
  observe(observer: TaskObserver): () => void {
    return this.observers.add(observer);
  }

  start(): void {
    const { queue, config, bus } = this.deps;
    fs.mkdirSync(config.workspacesDir, { recursive: true });
    this.accepting = true;
    queue.consume((taskId) => this.runTask(taskId), config.MAX_CONCURRENT_TASKS);
    this.unsubscribe = bus.onControl((msg) => {
      if (msg.type === 'cancel') void this.cancelLocal(msg.task_id, msg.reason);
    });
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /**
   * Stops taking work, lets running tasks finish within the grace period, then stops the rest and hands them back to
   * the queue (`queued` again, for another worker; not failed).
   */
  async stop(graceMs: number): Promise<void> {
    this.accepting = false;
    await this.deps.queue.pause();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([this.idle(), grace]);
    clearTimeout(timer);
    await Promise.all([...this.running.values()].map((ctx) => ctx.stop('shutdown')));
    await this.idle();
    await Promise.all(this.removals);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.unsubscribe?.();
    this.deps.spawner.close();
  }

  private idle(): Promise<void> {
    return this.handling === 0 ? Promise.resolve() : new Promise((resolve) => (this.whenIdle = resolve));
  }

  /** Cancels a task this worker is running. Returns false when it is not running here. */
  async cancelLocal(taskId: string, reason: string): Promise<boolean> {
    const run = this.running.get(taskId);
    if (!run) return false;
    run.control.cancelReason ??= reason;
    await run.stop('cancelled');
    return true;
  }

  private async beat(): Promise<void> {
    if (this.running.size === 0) return;
    const ids = [...this.running.keys()];
    try {
      const { repos } = this.deps;
      for (const id of ids) {
        await repos.tasks.heartbeat(id);
        // A cancel may have been recorded by an API process whose control message this worker missed.
        const row = await repos.tasks.get(id);
        if (row?.cancel_requested) await this.cancelLocal(id, row.error ?? 'cancelled');
      }
    } catch (err) {
      this.deps.log.warn({ err }, 'heartbeat failed');
    }
  }

  /**
   * Runs the task, then the follow-ups its conversation received meanwhile, one after another in this handler's slot:
   * a conversation has one run at a time (TaskRepository.claim), so a follow-up whose claim was refused waits for
   * the run before it to end and hand over. A task this worker will not run (it is stopping) is handed back.
   */
  async runTask(taskId: string): Promise<Handled> {
    this.handling++;
    try {
      return await this.runChain(taskId);
    } finally {
      if (--this.handling === 0) this.whenIdle?.();
    }
  }

  private async runChain(taskId: string): Promise<Handled> {
    let current = taskId;
    for (;;) {
      const ran = this.accepting ? await this.runOne(current) : { handedBack: true as const };
      if ('deferred' in ran && current === taskId) return 'deferred';
      if ('handedBack' in ran || 'deferred' in ran) {
        if (current === taskId) return 'handed-back';
        // A follow-up's own delivery was used up while it waited: it is enqueued again (else reconciliation does).
        await this.deps.queue.enqueue(current).catch(() => undefined);
        return undefined;
      }
      if (!ran.next) return undefined;
      current = ran.next;
    }
  }

  /** Claims and runs one task; tells its conversation's next waiting task once the run has ended. */
  private async runOne(taskId: string): Promise<{ handedBack: true } | { deferred: true } | { next?: string }> {
    const task = await claimTask(this.deps, this.workerId, taskId);
    if (task === 'limited') return { deferred: true };
    if (!task) return {};
    const ctx = this.contextFor(task);
    this.running.set(taskId, ctx);
    this.peak = Math.max(this.peak, this.running.size);
    if (!this.accepting) void ctx.stop('shutdown'); // claimed as the worker began to stop: handed back unstarted
    try {
      if ((await this.steps(ctx)) === 'handed-back') return { handedBack: true }; // its conversation waits for it
    } finally {
      if (ctx.state) await this.dropState(ctx, ctx.log);
      this.running.delete(taskId);
    }
    // If this read fails, reconciliation finds the waiting follow-up instead.
    return { next: task.conversation_id ? await this.deps.repos.tasks.nextInConversation(task.conversation_id).catch(() => undefined) : undefined };
  }

  /** prepare → run → settle. A fault in prepare or run (the database, the disk) ends the run as an `error` outcome. */
  private async steps(ctx: RunContext): Promise<'settled' | 'handed-back'> {
    let outcome: RunOutcome;
    try {
      const prepared = await prepareRun(this.deps, ctx);
      outcome = prepared.kind === 'prepared' ? await runClaude(this.deps, ctx, prepared) : prepared;
    } catch (err) {
      outcome = { kind: 'error', error: err instanceof Error ? err : new Error(String(err)) };
    }
    return settleRun(this.deps, ctx, outcome);
  }

  private contextFor(task: TaskRow): RunContext {
    const { repos, bus, redactor } = this.deps;
    const log = this.deps.log.child({ task_id: task.task_id });
    const control: RunContext['control'] = {};
    const stop = (why: StopReason): Promise<void> => {
      if (!control.handle) {
        // Not spawned yet: remembered, and applied the moment the child exists.
        control.pendingStop ??= why;
        return Promise.resolve();
      }
      control.stopping ??= control.handle.stop(why);
      return control.stopping;
    };
    const recorder = new TaskRecorder({
      taskId: task.task_id,
      sessionId: task.session_id,
      lastSeq: Number(task.event_count),
      events: repos.events,
      bus,
      redactor,
      log,
      // The run is stopped: going on would leave a hole in its record. The task fails with the error (steps/run.ts).
      onFailure: (err) => {
        log.error({ err }, 'storing task events failed; stopping the run');
        void stop('cancelled');
      },
    });
    return { task, log, recorder, control, observers: this.observers, stop };
  }

  /**
   * The run's Claude state goes with the run (its transcript is in the database); a refreshed login is kept first (the
   * next run must start from it). The directory is removed off the run's path: its slot, and its conversation's next
   * task, do not wait for it. No other run can reach it meanwhile: each run's state is a directory of its own
   * (claude-state.ts), bound into its sandbox alone; stop() waits for the removals.
   */
  private async dropState(ctx: RunContext, log: Logger): Promise<void> {
    const state = ctx.state!;
    await keepRefreshedLogin(this.deps.config, state).catch((err) => log.warn({ err }, 'could not keep the refreshed Claude login'));
    const removal = removeClaudeState(state)
      .catch((err) => log.warn({ err }, 'could not remove the run state'))
      .finally(() => this.removals.delete(removal));
    this.removals.add(removal);
  }
}

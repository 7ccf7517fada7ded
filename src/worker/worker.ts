import fs from 'node:fs';
import os from 'node:os';
import type { Admission } from '../budgets/budget-service.js';
import type { Config } from '../config.js';
import type { LiveEvent } from '../contracts/events.js';
import type { ResultItem, StreamItem } from '../contracts/stream-item.js';
import { newId } from '../domain/ids.js';
import { END_OF_RUN } from '../domain/task-status.js';
import type { EventBus } from '../live/event-bus.js';
import { TaskRecorder } from '../live/task-recorder.js';
import type { Logger } from '../logger.js';
import { DeferDelivery, type TaskQueue } from '../queue/queue.js';
import { settleAttempt } from '../cluster/fencing.js';
import type { ClaimLimits } from '../storage/repositories/tasks.js';
import type { Redactor } from '../security/redactor.js';
import { type SessionTotals, ZERO_TOTALS } from '../storage/repositories/claude-sessions.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import { isDiskFull } from '../storage/disk-space.js';
import { taskView } from '../storage/views.js';
import { type ClaudeRunHandle, type ClaudeRunSpec, startClaudeRun } from './claude-run.js';
import { checkoutRepository, type GithubRepoTarget } from './checkout.js';
import { type ClaudeState, keepRefreshedLogin, prepareClaudeState, removeClaudeState } from './claude-state.js';
import { classify } from './outcome.js';
import { buildPrompt } from './prompt.js';
import { launchSpec, type SandboxStatus, UNSANDBOXED } from './sandbox.js';
import { prepareWorkspace, restoreSession, saveSession } from './workspace.js';

/** A run interrupted by a crash or shutdown is tried once more, then failed as `interrupted`. */
export const MAX_ATTEMPTS = 2;
const HEARTBEAT_MS = 5_000;

/** Things that follow a task from the worker that runs it (post-back to GitHub, Slack…). Errors are theirs to keep. */
export interface TaskObserver {
  onStart?(task: TaskRow): void | Promise<void>;
  onItem?(task: TaskRow, item: StreamItem): void;
  onFinish?(task: TaskRow): void | Promise<void>;
}

export interface WorkerDeps {
  config: Config;
  repos: Repositories;
  queue: TaskQueue;
  bus: EventBus;
  log: Logger;
  claudePath: string;
  /** Spending limits: whether a claimed task may start, and how much its run may spend. */
  budgets: { admit(task: TaskRow): Promise<Admission> };
  observers?: TaskObserver[];
  /** Called before the workspace is prepared: brings the agent home up to date, may add to the run (management tools). */
  prepareRun?(task: TaskRow): Promise<RunAdditions>;
  /** Whether runs are sandboxed (decided once at start); unsandboxed when not given. */
  sandbox?: SandboxStatus;
  /** Every known secret: replaced in stream items, output and errors before they are stored, published or posted. */
  redactor: Redactor;
  workerId?: string;
  /** Cluster-wide limits enforced at claim (GLOBAL_MAX_CONCURRENT_TASKS, fair shares). */
  limits?: ClaimLimits;
}

/** What prepareRun may add to a run: its management tools, and the environment that carries their token. */
export type RunAdditions = Pick<ClaudeRunSpec, 'mcpConfig' | 'allowedTools'> & { env?: Record<string, string> };

interface Running {
  task: TaskRow;
  handle?: ClaudeRunHandle;
  cancelReason?: string;
  pendingStop?: 'cancelled' | 'shutdown' | 'timeout';
  stopping?: Promise<void>;
}

export class Worker {
  readonly workerId: string;
  private readonly running = new Map<string, Running>();
  private peak = 0;
  private accepting = false;
  private heartbeat?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(private readonly deps: WorkerDeps) {
    this.workerId = deps.workerId ?? `${os.hostname()}/${process.pid}/${newId('w').slice(-6)}`;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** The most tasks this worker has ever run at once (the concurrency limit must hold it down). */
  get peakConcurrency(): number {
    return this.peak;
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

  /** Stops taking work, lets running tasks finish within the grace period, then interrupts the rest. */
  async stop(graceMs: number): Promise<void> {
    this.accepting = false;
    await this.deps.queue.pause();
    const deadline = Date.now() + graceMs;
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await Promise.all([...this.running.values()].map((r) => this.stopRun(r, 'shutdown')));
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 50));
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.unsubscribe?.();
  }

  /** Cancels a task this worker is running. Returns false when it is not running here. */
  async cancelLocal(taskId: string, reason: string): Promise<boolean> {
    const run = this.running.get(taskId);
    if (!run) return false;
    run.cancelReason ??= reason;
    await this.stopRun(run, 'cancelled');
    return true;
  }

  private stopRun(run: Running, why: 'cancelled' | 'shutdown' | 'timeout'): Promise<void> {
    if (!run.handle) {
      // Not spawned yet: remembered, and applied the moment the child exists.
      run.pendingStop ??= why;
      return Promise.resolve();
    }
    run.stopping ??= run.handle.stop(why);
    return run.stopping;
  }

  private async beat(): Promise<void> {
    if (this.running.size === 0) return;
    const ids = [...this.running.keys()];
    try {
      const { repos } = this.deps;
      for (const id of ids) {
        await repos.tasks.update(id, { heartbeat_at: Date.now() });
        // A cancel may have been recorded by an API process whose control message this worker missed.
        const row = await repos.tasks.get(id);
        if (row?.cancel_requested) await this.cancelLocal(id, row.error ?? 'cancelled');
      }
    } catch (err) {
      this.deps.log.warn({ err }, 'heartbeat failed');
    }
  }

  private async publish(type: Exclude<LiveEvent['type'], 'task.output'>, row: TaskRow): Promise<void> {
    await this.deps.bus.publish({ type, task_id: row.task_id, session_id: row.session_id, task: taskView(row), error: row.error });
  }

  /**
   * Runs the task, then the follow-ups its conversation received meanwhile, one after another in this handler's slot:
   * a conversation has one run at a time (TaskRepository.claim), so a follow-up whose claim was refused waits for
   * the run before it to end and hand over.
   */
  async runTask(taskId: string): Promise<void> {
    let next: string | undefined = taskId;
    for (let first = true; next && this.accepting; first = false) {
      const ran: string | undefined | DeferDelivery = await this.runOne(next);
      if (!(ran instanceof DeferDelivery)) next = ran;
      else if (first) throw ran; // the queue offers it again later
      else return void (await this.deps.queue.enqueue(next).catch(() => undefined)); // reconciliation otherwise
    }
  }

  /** Claims and runs one task; returns its conversation's next waiting task once the run has ended. */
  private async runOne(taskId: string): Promise<string | undefined | DeferDelivery> {
    const { repos, config, log } = this.deps;
    const queued = await repos.tasks.get(taskId);
    if (queued?.status !== 'queued') return undefined; // cancelled while waiting, or already taken
    const now = Date.now();
    // Nothing happens when another worker took it, a cancel was recorded first, or its conversation is busy.
    const { row: task, blockedBy, limitedBy } = await repos.tasks.claim(
      taskId,
      {
      started_at: now,
      heartbeat_at: now,
      worker_id: this.workerId,
      attempts: Number(queued.attempts) + 1,
      // Record the model the run uses, so analytics group default-model tasks under their real model.
      model: queued.model ?? config.DEFAULT_MODEL,
      },
      now,
      this.deps.limits,
    );
    if (limitedBy) return new DeferDelivery(1000, `limit reached: ${limitedBy}`);
    if (blockedBy) log.debug({ task_id: taskId, blocked_by: blockedBy }, 'conversation busy: the task waits for the run before it');
    if (!task) return undefined;

    const run: Running = { task };
    this.running.set(taskId, run);
    this.peak = Math.max(this.peak, this.running.size);
    const taskLog = log.child({ task_id: taskId });
    const recorder = new TaskRecorder({
      taskId,
      sessionId: task.session_id,
      lastSeq: Number(task.event_count),
      events: repos.events,
      bus: this.deps.bus,
      redactor: this.deps.redactor,
      log: taskLog,
      // The run is stopped: going on would leave a hole in its record. The task fails with the error (below).
      onFailure: (err) => {
        taskLog.error({ err }, 'storing task events failed; stopping the run');
        void this.stopRun(run, 'cancelled');
      },
    });
    const { redactor } = this.deps;
    let timeout: NodeJS.Timeout | undefined;
    let state: ClaudeState | undefined;
    try {
      const admission = await this.deps.budgets.admit(task);
      await this.publish('task.started', task);
      await this.notify('onStart', task);
      // Refused after onStart, so observers that report back (GitHub, Slack…) have the thread to tell the reason in.
      if (!admission.ok) throw new RefusedByBudget(admission.reason);
      if (task.attempts > 1) recorder.push({ kind: 'status', message: `Retrying after an interruption (attempt ${task.attempts} of ${MAX_ATTEMPTS}).` });

      const extras = (await this.deps.prepareRun?.(task)) ?? {};
      const repo = config.GITHUB_CHECKOUT ? githubRepoOf(task) : undefined;
      const cwd = await prepareWorkspace(
        config,
        task.task_id,
        repo
          ? async (dir) => {
              try {
                recorder.push({ kind: 'status', message: `Checked out ${await checkoutRepository(config, dir, repo)}.` });
              } catch (err) {
                // The run goes on without the code; the agent and the thread are told why.
                recorder.push({ kind: 'status', message: (err as Error).message });
                taskLog.warn({ err }, 'repository checkout failed');
              }
            }
          : undefined,
      );
      const conversation = task.conversation_id ? await repos.conversations.get(task.conversation_id) : undefined;
      const resumeId = conversation?.claude_session_id ?? null;
      state = await prepareClaudeState(config, taskId);
      const resumable = resumeId ? await restoreSession(state.configDir, repos, resumeId, cwd) : false;
      const prompt = await buildPrompt(task, repos, resumable);
      await repos.tasks.updateRun(taskId, task.fence_id, { working_dir: cwd, resume_session_id: resumable ? resumeId : null });

      // A cancel recorded since the claim, whose control message came before this run was registered (or never
      // came), is read here; one that comes later finds the run registered and its handle set, as nothing awaits
      // between this read and the spawn.
      const current = await repos.tasks.get(taskId);
      if (current?.cancel_requested) run.cancelReason ??= current.error ?? 'cancelled';
      if (run.cancelReason) throw new CancelledBeforeStart(run.cancelReason);
      const launch = launchSpec(this.deps.sandbox ?? UNSANDBOXED, { config, claudePath: this.deps.claudePath, workspace: cwd, state });
      const handle = startClaudeRun(
        {
          ...launch,
          env: { ...launch.env, ...extras.env },
          cwd,
          prompt,
          model: task.model ?? config.DEFAULT_MODEL,
          resumeSessionId: resumable ? resumeId : null,
          appendSystemPrompt: task.system_prompt_append,
          agent: task.assigned_agent,
          permissionMode: task.permission_mode ?? config.DEFAULT_PERMISSION_MODE,
          allowedTools: [...(parseList(task.allowed_tools) ?? []), ...(extras.allowedTools ?? [])],
          disallowedTools: parseList(task.disallowed_tools),
          maxTurns: task.max_turns ?? config.DEFAULT_MAX_TURNS,
          maxBudgetUsd: admission.maxBudgetUsd,
          mcpConfig: extras.mcpConfig,
        },
        (item) => {
          const clean = recorder.push(item);
          for (const o of this.deps.observers ?? []) {
            try {
              o.onItem?.(task, clean);
            } catch (err) {
              taskLog.warn({ err }, 'task observer failed');
            }
          }
        },
      );
      run.handle = handle;
      if (run.pendingStop) void this.stopRun(run, run.pendingStop);
      if (handle.pid) await repos.tasks.updateRun(taskId, task.fence_id, { child_pid: handle.pid });
      timeout = setTimeout(() => void this.stopRun(run, 'timeout'), config.TASK_TIMEOUT_SECONDS * 1000);

      const outcome = await handle.done;
      // A stopped run counts as ended once its whole tree is: the CLI may exit before its tools (a sandbox's outer
      // bwrap even exits at once on SIGTERM).
      if (run.stopping) await run.stopping;
      clearTimeout(timeout);
      await recorder.flush(true);
      const verdict = recorder.failure
        ? { status: 'failed' as const, outcome: 'error' as const, error: recorder.failure.message, output: null }
        : classify(outcome, config.TASK_TIMEOUT_SECONDS, run.cancelReason);
      const result = outcome.result;
      // Claude Code reports cost and tokens cumulatively over a resumed session: this run's share is the difference.
      const cumulative = result ? sessionTotals(result) : ZERO_TOTALS;
      const prior = resumable && resumeId && outcome.sessionId === resumeId ? await repos.claudeSessions.totals(resumeId) : ZERO_TOTALS;
      const error = verdict.outcome === 'budget' && admission.limitedBy ? `${verdict.error} (limit: ${admission.limitedBy})` : verdict.error;
      const figures = {
        output: verdict.output === null ? null : redactor.redact(verdict.output),
        error: error === null ? null : redactor.redact(error),
        outcome: verdict.outcome,
        cost_usd: Math.max(0, cumulative.total_cost_usd - prior.total_cost_usd),
        input_tokens: Math.max(0, cumulative.input_tokens - prior.input_tokens),
        output_tokens: Math.max(0, cumulative.output_tokens - prior.output_tokens),
        cache_read_tokens: Math.max(0, cumulative.cache_read_tokens - prior.cache_read_tokens),
        cache_creation_tokens: Math.max(0, cumulative.cache_creation_tokens - prior.cache_creation_tokens),
        num_turns: result?.num_turns ?? 0,
        duration_ms: result?.duration_ms || Date.now() - Number(task.started_at),
        claude_session_id: outcome.sessionId ?? null,
        child_pid: null,
      };
      if (outcome.sessionId && result) await saveSession(state.configDir, repos, outcome.sessionId, task.conversation_id, cwd, cumulative).catch((err) => taskLog.warn({ err }, 'could not keep the Claude session transcript'));

      if (verdict.status === 'interrupted') {
        await this.interrupted(task, recorder, figures);
        return undefined; // the task itself goes back to the queue; its conversation waits for it
      }
      const finished = await settleAttempt(repos.tasks, task, END_OF_RUN[verdict.status], { ...figures, completed_at: Date.now() }, taskLog);
      if (finished) await this.finish(finished, verdict.status, taskLog);
    } catch (err) {
      clearTimeout(timeout);
      await recorder.flush(true);
      const cancelled = err instanceof CancelledBeforeStart;
      const refused = err instanceof RefusedByBudget;
      const status = cancelled ? 'cancelled' : 'failed';
      if (refused) taskLog.info({ reason: err.message }, 'task refused by a budget');
      else if (!cancelled) taskLog.error({ err }, 'task failed in the worker');
      const reason = isDiskFull(err) ? `the data directory ${config.dataDir} (DATA_DIR) is full: ${(err as Error).message}` : (err as Error).message;
      const message = cancelled || refused ? err.message : `the worker could not run the task: ${reason}`;
      const finished = await settleAttempt(repos.tasks, task, END_OF_RUN[status], {
        error: redactor.redact(message),
        outcome: cancelled ? 'cancelled' : refused ? 'budget' : 'error',
        completed_at: Date.now(),
        child_pid: null,
        // A refused task never ran: no start time, so it has no duration either.
        ...(refused ? { started_at: null } : {}),
      }, taskLog);
      if (finished) await this.finish(finished, status, taskLog);
    } finally {
      if (state) await this.dropState(state, taskLog);
      this.running.delete(taskId);
    }
    // If this read fails, reconciliation finds the waiting follow-up instead.
    return task.conversation_id ? repos.tasks.nextInConversation(task.conversation_id).catch(() => undefined) : undefined;
  }

  /** The run's Claude state goes with the run (its transcript is in the database); a refreshed login is kept. */
  private async dropState(state: ClaudeState, log: Logger): Promise<void> {
    await keepRefreshedLogin(this.deps.config, state).catch((err) => log.warn({ err }, 'could not keep the refreshed Claude login'));
    await removeClaudeState(state).catch((err) => log.warn({ err }, 'could not remove the run state'));
  }

  private async interrupted(task: TaskRow, recorder: TaskRecorder, figures: Record<string, unknown>): Promise<void> {
    const { repos, queue } = this.deps;
    if (task.attempts < MAX_ATTEMPTS) {
      recorder.push({ kind: 'status', message: 'Interrupted by a service shutdown; the task will run again.' });
      await recorder.flush(true);
      const back = await settleAttempt(repos.tasks, task, 'requeueInterrupted', { child_pid: null, worker_id: null, fence_id: null, queued_at: Date.now() }, this.deps.log);
      if (back) await queue.enqueue(task.task_id).catch(() => undefined); // start-up reconciliation enqueues it otherwise
      return;
    }
    const finished = await settleAttempt(repos.tasks, task, 'fail', { ...figures, outcome: 'interrupted', completed_at: Date.now() }, this.deps.log);
    if (finished) await this.finish(finished, 'failed', this.deps.log);
  }

  private async finish(row: TaskRow, status: 'completed' | 'failed' | 'cancelled', log: Logger): Promise<void> {
    const { repos } = this.deps;
    if (row.conversation_id && (await repos.conversations.get(row.conversation_id))) {
      const content = status === 'completed' ? (row.output ?? '') : `(${status}) ${row.error ?? ''}`.trim();
      await repos.conversations.addMessage({
        conversation_id: row.conversation_id,
        task_id: row.task_id,
        role: 'assistant',
        content,
        metadata: { status, outcome: row.outcome, cost_usd: row.cost_usd },
      });
    }
    await this.publish(status === 'completed' ? 'task.completed' : status === 'failed' ? 'task.failed' : 'task.cancelled', row);
    log.info({ status, outcome: row.outcome, cost_usd: row.cost_usd, duration_ms: row.duration_ms }, 'task finished');
    await this.notify('onFinish', row);
  }

  private async notify(hook: 'onStart' | 'onFinish', task: TaskRow): Promise<void> {
    for (const o of this.deps.observers ?? []) {
      try {
        await o[hook]?.(task);
      } catch (err) {
        this.deps.log.warn({ err, task_id: task.task_id }, `task observer ${hook} failed`);
      }
    }
  }
}

class CancelledBeforeStart extends Error {}
class RefusedByBudget extends Error {}

function sessionTotals(result: ResultItem): SessionTotals {
  return {
    total_cost_usd: result.total_cost_usd,
    input_tokens: result.usage.input_tokens,
    output_tokens: result.usage.output_tokens,
    cache_read_tokens: result.usage.cache_read_input_tokens,
    cache_creation_tokens: result.usage.cache_creation_input_tokens,
  };
}

/** The repository a GitHub webhook task is about (from the post-back target its delivery recorded). */
function githubRepoOf(task: TaskRow): GithubRepoTarget | undefined {
  if (task.source !== 'github' || !task.source_metadata) return undefined;
  try {
    const target = (JSON.parse(task.source_metadata) as { target?: Partial<GithubRepoTarget> & { provider?: string } }).target;
    if (target?.provider !== 'github' || !target.owner || !target.repo || !target.issueNumber) return undefined;
    return { owner: target.owner, repo: target.repo, issueNumber: target.issueNumber, isPullRequest: !!target.isPullRequest };
  } catch {
    return undefined;
  }
}

function parseList(text: string | null): string[] | null {
  if (!text) return null;
  try {
    const list = JSON.parse(text) as unknown;
    return Array.isArray(list) ? list.map(String) : null;
  } catch {
    return null;
  }
}

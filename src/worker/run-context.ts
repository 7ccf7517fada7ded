import type { ClaimLimits } from '../storage/repositories/tasks.js';
// What the steps of one run (claim → prepare → run → settle, see worker.ts) share: the worker's dependencies, the
// run's context, and how a run ended, as a value each step returns rather than an exception it throws.
import type { Admission } from '../budgets/budget-service.js';
import type { Config } from '../config.js';
import type { EventBus } from '../live/event-bus.js';
import type { TaskRecorder } from '../live/task-recorder.js';
import type { Logger } from '../logger.js';
import type { TaskQueue } from '../queue/queue.js';
import type { Redactor } from '../security/redactor.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow, TaskUpdate } from '../storage/schema.js';
import type { ClaudeRunHandle, ClaudeRunSpec, StopReason } from './claude-run.js';
import type { CheckoutSource } from './checkout.js';
import type { ClaudeState } from './claude-state.js';
import type { TaskObservers } from './observers.js';
import type { SandboxStatus } from './sandbox.js';
import type { Spawner } from './spawner.js';

/** A run interrupted by a crash is tried once more, then failed as `interrupted`. */
export const MAX_ATTEMPTS = 2;

export interface WorkerDeps {
  config: Config;
  repos: Repositories;
  queue: TaskQueue;
  bus: EventBus;
  log: Logger;
  claudePath: string;
  /** Spending limits: whether a claimed task may start, and how much its run may spend. */
  budgets: { admit(task: TaskRow): Promise<Admission> };
  /** Called before the workspace is prepared: brings the agent home up to date, may add to the run (management tools). */
  prepareRun?(task: TaskRow): Promise<RunAdditions>;
  /** The repository to clone into a task's workspace, if its thread lives in one (wired from the providers' adapters). */
  checkoutSource?(task: TaskRow): Promise<CheckoutSource | undefined>;
  /**
   * A post-run step for a run that completed, before its end is published and the observers are told: delivers what
   * the run left in its workspace (the wiring's pull requests: commit, push, open, review). It may update the task
   * row, which is read again after it so the observers (the post-back) see it — unless it answers `false`: it did
   * nothing (no repository to deliver to), and the row is as it was. Its failures are its own to report.
   */
  afterRun?(task: TaskRow): Promise<boolean | void>;
  /** Whether runs are sandboxed (decided once at start); unsandboxed when not given. */
  sandbox?: SandboxStatus;
  /** Every known secret: replaced in stream items, output and errors before they are stored, published or posted. */
  redactor: Redactor;
  workerId?: string;
  /** What starts the Claude Code children: the worker's spawn helper (spawner.ts) unless given. */
  spawner?: Spawner;
  /** Cluster-wide limits enforced at claim (GLOBAL_MAX_CONCURRENT_TASKS, fair shares; src/cluster/limits.ts). */
  limits?: ClaimLimits;
}

/** What prepareRun may add to a run: its management tools, and the environment that carries their token. */
export type RunAdditions = Pick<ClaudeRunSpec, 'mcpConfig' | 'allowedTools'> & { env?: Record<string, string> };

/** How the worker reaches a run from outside its steps: a cancel, the timeout, a shutdown. */
export interface RunControl {
  handle?: ClaudeRunHandle;
  cancelReason?: string;
  /** A stop asked for before the child existed: applied the moment it does (a shutdown: the child never starts). */
  pendingStop?: StopReason;
  stopping?: Promise<void>;
}

/** One claimed task on its way through the steps. */
export interface RunContext {
  readonly task: TaskRow;
  readonly log: Logger;
  readonly recorder: TaskRecorder;
  readonly control: RunControl;
  readonly observers: TaskObservers;
  /** Stops the run's child (or marks it to be stopped once it exists). */
  stop(why: StopReason): Promise<void>;
  /** The run's own Claude state (login, transcripts), removed when the run ends. */
  state?: ClaudeState;
}

/** What prepare hands to the run step. */
export interface PreparedRun {
  admission: Extract<Admission, { ok: true }>;
  cwd: string;
  prompt: string;
  /** The Claude session resumed (the conversation's previous one), when its transcript could be restored. */
  resumeId: string | null;
  additions: RunAdditions;
  state: ClaudeState;
}

/** A finished run's figures, as recorded on the task row. */
export type RunFigures = Pick<
  TaskUpdate,
  'output' | 'error' | 'outcome' | 'cost_usd' | 'input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_creation_tokens' | 'num_turns' | 'duration_ms' | 'claude_session_id' | 'child_pid'
>;

/** How a run ended. Settle records each kind; none is thrown. */
export type RunOutcome =
  /** Claude Code ran and ended (or was cancelled or timed out while it ran). */
  | { kind: 'ended'; status: 'completed' | 'failed' | 'cancelled'; figures: RunFigures }
  /** Stopped by this worker's shutdown: the task goes back to the queue for another worker. */
  | { kind: 'handed-back' }
  /** A budget refused it before it started. */
  | { kind: 'refused'; reason: string }
  /** Cancelled between its claim and the spawn. */
  | { kind: 'cancelled'; reason: string }
  /** The worker could not run it (the database, the disk, the workspace failed). */
  | { kind: 'error'; error: Error };

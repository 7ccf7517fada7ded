// What the service does with a webhook run's result besides replying in the thread that asked, made durable (issue
// 15, items 1 and 2). Each step is a row planned with the task itself (createThreadTask, in the delivery's
// transaction), so nothing is lost between the run's end and the step: not a crash, not a provider's 5xx, not a
// restart. The observer runs a task's steps as soon as it completes; a sweep at start-up and every RECONCILE_SECONDS
// runs those still pending. A worker claims a step (a lease on its row) before acting, so each runs once across
// workers; within a claim it is retried (p-retry), and after that it waits for a later sweep with a growing back-off,
// until it gives up. Steps are written to be run again: each keeps what it has done in the row's progress.
import pRetry from 'p-retry';
import { newId } from '../domain/ids.js';
import { isFinal, type TaskStatus } from '../domain/task-status.js';
import type { AfterRunStepName } from '../storage/repositories/after-run-steps.js';
import type { AfterRunStepRow, TaskRow } from '../storage/schema.js';
import { threadMetadata } from '../webhooks/thread-task.js';
import { plannedSteps } from './after-run-options.js';
import { flowNotesFailed, sendFlowNotes } from './flow-notes.js';
import { allAdapters } from '../webhooks/providers/index.js';
import { StepCannotRun, type StepContext, type StepDefinition, type StepDeps } from './step-context.js';

export type { StepContext, StepDeps };

/** A step by name: the flow's own (flow_notes), or one a provider's API does (its adapter's `afterRunSteps`). */
function stepOf(name: AfterRunStepName): StepDefinition | undefined {
  if (name === 'flow_notes') return { run: sendFlowNotes, failed: flowNotesFailed };
  return allAdapters().find((a) => a.afterRunSteps?.[name])?.afterRunSteps?.[name];
}

const ORDER: AfterRunStepName[] = ['jira_issue', 'flow_notes'];

export interface StepTiming {
  /** How long a claim holds a step: a worker that dies holding it leaves it to others after this. */
  leaseMs: number;
  /** Tries within one claim after the first (p-retry; the provider clients retry each call on their own too). */
  retries: number;
  minTimeoutMs: number;
  /** Claims before the step gives up; between claims it waits backoffMs × 2^(claims−1). */
  maxClaims: number;
  backoffMs: number;
  /**
   * The periodic sweep leaves a task this long after it completed to its own worker, whose observer runs the steps
   * after the post-back (in the order the threads should hear them); a sweep at start-up does not wait.
   */
  graceMs: number;
}

export const DEFAULT_STEP_TIMING: StepTiming = { leaseMs: 5 * 60_000, retries: 2, minTimeoutMs: 1_000, maxClaims: 6, backoffMs: 30_000, graceMs: 60_000 };

export class AfterRunSteps {
  private readonly owner = newId('steps');
  private readonly timing: StepTiming;

  constructor(private readonly deps: StepDeps, timing: Partial<StepTiming> = {}) {
    this.timing = { ...DEFAULT_STEP_TIMING, ...timing };
  }

  /** Runs a completed task's pending steps, in the order they were planned (plannedSteps). */
  async runFor(task: TaskRow): Promise<void> {
    let rows = await this.deps.repos.afterRunSteps.forTask(task.task_id);
    const meta = threadMetadata(task);
    if (rows.length === 0 && meta?.target) {
      // A webhook task stored before its steps were (queued across the upgrade that added them): planned now.
      await this.deps.repos.afterRunSteps.plan(task.task_id, plannedSteps(meta.after_run));
      rows = await this.deps.repos.afterRunSteps.forTask(task.task_id);
    }
    for (const row of rows.sort((a, b) => ORDER.indexOf(a.step as AfterRunStepName) - ORDER.indexOf(b.step as AfterRunStepName))) {
      if (row.status === 'pending') await this.runStep(task, row);
    }
  }

  /**
   * Runs pending steps that are due (at start-up every pending one: a restart tries again at once). A step of a task
   * that ended otherwise than completed is skipped; one of a task not ended yet waits.
   */
  async sweep(opts: { ignoreBackoff?: boolean; limit?: number } = {}): Promise<number> {
    const rows = await this.deps.repos.afterRunSteps.due(Date.now(), opts.limit ?? 50, opts.ignoreBackoff);
    let ran = 0;
    for (const row of rows) {
      const task = await this.deps.repos.tasks.get(row.task_id);
      if (!task || (isFinal(task.status as TaskStatus) && task.status !== 'completed')) {
        await this.deps.repos.afterRunSteps.release(row.task_id, row.step as AfterRunStepName, { status: 'skipped' });
      } else if (!opts.ignoreBackoff && (task.completed_at ?? 0) > Date.now() - this.timing.graceMs) {
        continue;
      } else if (task.status === 'completed' && (await this.runStep(task, row))) {
        ran++;
      }
    }
    return ran;
  }

  /** One claim of one step: true when this worker held it. */
  private async runStep(task: TaskRow, row: AfterRunStepRow): Promise<boolean> {
    const { repos, log } = this.deps;
    const name = row.step as AfterRunStepName;
    const step = stepOf(name);
    if (!step || !task.flow_id) {
      await repos.afterRunSteps.release(task.task_id, name, { status: 'skipped' });
      return false;
    }
    if (!(await repos.afterRunSteps.claim(task.task_id, name, this.owner, this.timing.leaseMs))) return false;
    const claims = row.attempts + 1;
    const ctx = this.context(task, name, row.progress);
    try {
      await pRetry(() => step.run(task, ctx), {
        retries: this.timing.retries,
        minTimeout: this.timing.minTimeoutMs,
        factor: 2,
        shouldRetry: ({ error }) => !(error instanceof StepCannotRun),
      });
      await repos.afterRunSteps.release(task.task_id, name, { status: 'done' });
    } catch (err) {
      const reason = (err as Error).message;
      const givesUp = err instanceof StepCannotRun || claims >= this.timing.maxClaims;
      log.warn({ err, task_id: task.task_id, step: name, claims, gives_up: givesUp }, 'an after-run step failed');
      if (givesUp) {
        await step.failed?.(task, ctx, reason).catch((e: unknown) => log.warn({ err: e, task_id: task.task_id, step: name }, 'could not report the failed step'));
        await repos.afterRunSteps.release(task.task_id, name, { status: 'failed' }, reason);
      } else {
        await repos.afterRunSteps.release(task.task_id, name, { status: 'pending', nextAt: Date.now() + this.timing.backoffMs * 2 ** (claims - 1) }, reason);
      }
    }
    return true;
  }

  private context(task: TaskRow, name: AfterRunStepName, stored: string | null): StepContext<unknown> {
    const ctx: StepContext<unknown> = {
      deps: this.deps,
      progress: parseProgress(stored),
      save: async (progress) => {
        ctx.progress = progress;
        await this.deps.repos.afterRunSteps.progress(task.task_id, name, progress);
      },
    };
    return ctx;
  }
}

function parseProgress(stored: string | null): Record<string, unknown> {
  try {
    const value: unknown = stored ? JSON.parse(stored) : {};
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

import type { LiveEvent } from '../../contracts/events.js';
import { END_OF_RUN } from '../../domain/task-status.js';
import type { EventBus } from '../../live/event-bus.js';
import { isDiskFull } from '../../storage/disk-space.js';
import type { TaskRow } from '../../storage/schema.js';
import { taskView } from '../../storage/views.js';
import { replyInConversation } from '../../tasks/conversation-reply.js';
import type { RunContext, RunOutcome, WorkerDeps } from '../run-context.js';
import { settleAttempt } from '../../cluster/fencing.js';

type Ending = 'completed' | 'failed' | 'cancelled';

export async function publishTaskEvent(bus: EventBus, type: Exclude<LiveEvent['type'], 'task.output'>, row: TaskRow): Promise<void> {
  await bus.publish({ type, task_id: row.task_id, session_id: row.session_id, task: taskView(row), error: row.error });
}

/**
 * The settle step: records how the run ended on the task row, answers in its conversation, publishes the end and
 * tells the observers. A run handed back by a shutdown goes back to `queued` instead. Returns whether the task was handed back (the queue then gives it to another worker at once).
 */
export async function settleRun(deps: WorkerDeps, ctx: RunContext, outcome: RunOutcome): Promise<'settled' | 'handed-back'> {
  const { repos, config, redactor } = deps;
  const { task, log } = ctx;
  await ctx.recorder.flush(true);
  if (outcome.kind === 'handed-back') {
    await handBack(deps, ctx);
    return 'handed-back';
  }
  if (outcome.kind === 'ended') {
    // Conditional on the attempt's fence: the late result of a worker presumed dead is discarded (and logged).
    const finished = await settleAttempt(repos.tasks, task, END_OF_RUN[outcome.status], { ...outcome.figures, completed_at: Date.now() }, log);
    // finish folds the run's events, once (a second fold rewrote the same rows again before the end was published).
    if (finished) await finish(deps, ctx, finished, outcome.status);
    else await ctx.recorder.fold(null);
    return 'settled';
  }
  const status: Ending = outcome.kind === 'cancelled' ? 'cancelled' : 'failed';
  let message: string;
  if (outcome.kind === 'error') {
    log.error({ err: outcome.error }, 'task failed in the worker');
    const reason = isDiskFull(outcome.error) ? `the data directory ${config.dataDir} (DATA_DIR) is full: ${outcome.error.message}` : outcome.error.message;
    message = `the worker could not run the task: ${reason}`;
  } else {
    if (outcome.kind === 'refused') log.info({ reason: outcome.reason }, 'task refused by a budget');
    message = outcome.reason;
  }
  const finished = await settleAttempt(repos.tasks, task, END_OF_RUN[status], {
    error: redactor.redact(message),
    outcome: outcome.kind === 'cancelled' ? 'cancelled' : outcome.kind === 'refused' ? 'budget' : 'error',
    completed_at: Date.now(),
    child_pid: null,
    // A refused task never ran: no start time, so it has no duration either.
    ...(outcome.kind === 'refused' ? { started_at: null } : {}),
  }, log);
  if (finished) await finish(deps, ctx, finished, status);
  else await ctx.recorder.fold(null);
  return 'settled';
}

/**
 * Back to the queue for another worker, whatever its attempts: an orderly shutdown is no fault of the task's (only a
 * crash, found by recovery, counts against MAX_ATTEMPTS).
 */
async function handBack(deps: WorkerDeps, ctx: RunContext): Promise<void> {
  const { task, recorder } = ctx;
  recorder.push({ kind: 'status', message: 'Interrupted by a service shutdown; the task will run again.' });
  await recorder.flush(true);
  await settleAttempt(deps.repos.tasks, task, 'requeueInterrupted', { child_pid: null, worker_id: null, fence_id: null, queued_at: Date.now() }, ctx.log);
  ctx.log.info('handed back to the queue by a shutdown');
}

async function finish(deps: WorkerDeps, ctx: RunContext, settled: TaskRow, status: Ending): Promise<void> {
  // The output is on the task now: the run's events refer to it rather than keep copies (before the end is published,
  // so a replay after it sees the events folded). Folded once, here: each fold is a transaction.
  await ctx.recorder.fold(settled.output);
  const row = status === 'completed' ? await afterRun(deps, ctx, settled) : settled;
  await replyInConversation(deps.repos, row, status);
  await publishTaskEvent(deps.bus, status === 'completed' ? 'task.completed' : status === 'failed' ? 'task.failed' : 'task.cancelled', row);
  ctx.log.info({ status, outcome: row.outcome, cost_usd: row.cost_usd, duration_ms: row.duration_ms }, 'task finished');
  await ctx.observers.notify('onFinish', row);
}

/** The wiring's post-run step (the pull request of the run's changes); the row as it left it. */
async function afterRun(deps: WorkerDeps, ctx: RunContext, row: TaskRow): Promise<TaskRow> {
  if (!deps.afterRun) return row;
  try {
    if ((await deps.afterRun(row)) === false) return row; // nothing done: no need to read the row again
    return (await deps.repos.tasks.get(row.task_id)) ?? row;
  } catch (err) {
    ctx.log.warn({ err }, 'the post-run step failed');
    return row;
  }
}

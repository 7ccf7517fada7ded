import os from 'node:os';
import type { EventBus } from '../live/event-bus.js';
import type { Logger } from '../logger.js';
import type { TaskQueue } from '../queue/queue.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import type { TaskService } from '../tasks/task-service.js';
import { taskView } from '../storage/views.js';
import { commandLine, isAlive, killTree } from './process-tree.js';
import { MAX_ATTEMPTS } from './worker.js';

/** A running task whose worker has not beaten its heart for this long is considered dead. */
export const STALE_AFTER_MS = 30_000;

export interface RecoveryDeps {
  repos: Repositories;
  queue: TaskQueue;
  bus: EventBus;
  log: Logger;
  /** True when this process is the only one using the database (embedded mode): every running row is orphaned. */
  soleWorker: boolean;
  /** Workers just found dead by the cluster (src/cluster/membership.ts): their runs are recovered now, and offered again at once. */
  deadWorkers?: ReadonlySet<string>;
  /** Tasks waiting for approval longer than this are cancelled. */
  tasks?: TaskService;
  approvalTimeoutMs?: number;
}

export interface RecoveryReport {
  requeued: string[];
  failed: string[];
  enqueued: string[];
  killedChildren: number[];
  expired: string[];
  /** Tasks whose recorded cancel was finished here. */
  cancelled: string[];
}

function workerIsDead(task: TaskRow, soleWorker: boolean, now: number, deadWorkers?: ReadonlySet<string>): boolean {
  if (soleWorker || (task.worker_id && deadWorkers?.has(task.worker_id))) return true;
  const [host, pid] = (task.worker_id ?? '').split('/');
  if (host === os.hostname() && pid && Number(pid) !== process.pid && !isAlive(Number(pid))) return true;
  return Number(task.heartbeat_at ?? 0) < now - STALE_AFTER_MS;
}

/**
 * Start-up (and periodic) reconciliation, database first: tasks left `running` by a dead process get their one
 * retry (back to `queued`) or are failed as `interrupted`; Claude Code children they left behind are ended; and
 * `queued` rows missing from the queue (Redis lost everything, or the embedded queue died with its process) are
 * enqueued again.
 */
export async function recover(deps: RecoveryDeps): Promise<RecoveryReport> {
  const { repos, queue, log } = deps;
  const report: RecoveryReport = { requeued: [], failed: [], enqueued: [], killedChildren: [], expired: [], cancelled: [] };
  const now = Date.now();

  for (const task of await repos.tasks.idsWithStatus('running')) {
    if (!workerIsDead(task, deps.soleWorker, now, deps.deadWorkers)) continue;
    const [host] = (task.worker_id ?? '').split('/');
    const pid = task.child_pid;
    // Only a process that is still a Claude Code child of ours is ended: a reused pid belongs to someone else.
    if (pid && host === os.hostname() && isAlive(pid) && /claude/.test(commandLine(pid) ?? '')) {
      await killTree(pid, 3000);
      report.killedChildren.push(pid);
    }
    // Every move below is conditional on the attempt's fence as read: a run claimed again meanwhile is not touched.
    const base = { child_pid: null, worker_id: null, fence_id: null };
    if (task.cancel_requested) {
      // Someone asked for it to stop: it is not run again.
      const row = await repos.tasks.settle(task.task_id, 'cancelRun', { ...base, outcome: 'cancelled', error: task.error ?? 'cancelled', completed_at: now }, task.fence_id);
      if (row) {
        report.cancelled.push(task.task_id);
        await deps.bus.publish({ type: 'task.cancelled', task_id: row.task_id, session_id: row.session_id, task: taskView(row), error: row.error });
      }
    } else if (Number(task.attempts) < MAX_ATTEMPTS) {
      const row = await repos.tasks.settle(task.task_id, 'requeueInterrupted', { ...base, queued_at: now }, task.fence_id);
      if (row) report.requeued.push(task.task_id);
      // The dead worker's queue entry stays locked until its lock lapses: a fresh one lets a live worker start now.
      if (row && deps.deadWorkers?.has(task.worker_id ?? '')) await queue.enqueue(task.task_id, { fresh: true }).catch(() => undefined);
    } else {
      const row = await repos.tasks.settle(
        task.task_id,
        'fail',
        { ...base, outcome: 'interrupted', error: `interrupted: the worker running it stopped, and it had already been tried ${task.attempts} times`, completed_at: now },
        task.fence_id,
      );
      if (row) {
        report.failed.push(task.task_id);
        await deps.bus.publish({ type: 'task.failed', task_id: row.task_id, session_id: row.session_id, task: taskView(row), error: row.error });
      }
    }
  }

  for (const task of await repos.tasks.idsWithStatus('queued')) {
    if (task.cancel_requested) {
      // A cancel was recorded but its canceller stopped before moving the task (or it was requeued after an
      // interruption while being cancelled): no worker will claim it, so the cancel is finished here. A fresh one
      // is left to its canceller, which is still at work.
      if (!deps.soleWorker && Number(task.updated_at) > now - STALE_AFTER_MS) continue;
      const row = await repos.tasks.transition(task.task_id, 'cancelPending', { outcome: 'cancelled', error: task.error ?? 'cancelled', completed_at: now });
      if (row) {
        report.cancelled.push(task.task_id);
        await queue.remove(task.task_id);
        await deps.bus.publish({ type: 'task.cancelled', task_id: row.task_id, session_id: row.session_id, task: taskView(row), error: row.error });
      }
      continue;
    }
    // Redis away: the rows wait; the reconnect (and every RECONCILE_SECONDS) brings this pass back.
    if (!queue.available) continue;
    if (await queue.contains(task.task_id)) continue;
    await queue.enqueue(task.task_id);
    report.enqueued.push(task.task_id);
  }
  if (deps.tasks && deps.approvalTimeoutMs) {
    for (const task of await repos.tasks.idsWithStatus('waiting_approval')) {
      if (Number(task.created_at) > now - deps.approvalTimeoutMs) continue;
      // Approved at the last moment: it runs, and a late expiry must not stop it.
      const expired = await deps.tasks.reject(task.task_id, `nobody approved it within ${Math.round(deps.approvalTimeoutMs / 3600_000)} h (APPROVAL_TIMEOUT_HOURS)`);
      if (expired) report.expired.push(task.task_id);
    }
  }
  if (Object.values(report).some((list) => list.length > 0)) {
    log.info(report, 'recovered tasks left by a previous run');
  }
  return report;
}

import type { Kysely } from 'kysely';
import type { AfterRunStepRow, Database } from '../schema.js';

export type AfterRunStepName = 'jira_issue' | 'flow_notes';

/** The durable steps after a webhook run (src/flows/after-run-steps.ts): planned with the task, claimed to run. */
export class AfterRunStepRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Writes the task's steps as pending (in the transaction that stores the task); a step already there is kept. */
  async plan(taskId: string, steps: AfterRunStepName[], now = Date.now()): Promise<void> {
    if (steps.length === 0) return;
    const rows = steps.map((step) => ({ task_id: taskId, step, status: 'pending', attempts: 0, next_at: now, created_at: now, updated_at: now }));
    await this.db.insertInto('after_run_steps').values(rows).onConflict((oc) => oc.columns(['task_id', 'step']).doNothing()).execute();
  }

  async forTask(taskId: string): Promise<AfterRunStepRow[]> {
    return this.db.selectFrom('after_run_steps').selectAll().where('task_id', '=', taskId).orderBy('created_at').orderBy('step').execute();
  }

  /** Pending steps whose back-off has passed (all pending ones with `ignoreBackoff`) and whom nobody holds, oldest first. */
  async due(now: number, limit: number, ignoreBackoff = false): Promise<AfterRunStepRow[]> {
    let q = this.db
      .selectFrom('after_run_steps')
      .selectAll()
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]));
    if (!ignoreBackoff) q = q.where('next_at', '<=', now);
    return q.orderBy('created_at').orderBy('step').limit(limit).execute();
  }

  /**
   * Takes a pending step for `leaseMs`: true for the one caller whose update found it free. A worker that dies holding
   * it leaves the lease to run out, and the next sweep after that takes it up.
   */
  async claim(taskId: string, step: AfterRunStepName, owner: string, leaseMs: number, now = Date.now()): Promise<boolean> {
    const res = await this.db
      .updateTable('after_run_steps')
      .set((eb) => ({ claimed_by: owner, claimed_until: now + leaseMs, attempts: eb('attempts', '+', 1), updated_at: now }))
      .where('task_id', '=', taskId)
      .where('step', '=', step)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Records what a claimed step has done so far (read back by whoever takes it up again). */
  async progress(taskId: string, step: AfterRunStepName, progress: unknown, now = Date.now()): Promise<void> {
    await this.db.updateTable('after_run_steps').set({ progress: JSON.stringify(progress), updated_at: now }).where('task_id', '=', taskId).where('step', '=', step).execute();
  }

  /** Ends a step ('done', 'failed', 'skipped') or hands it back as pending after `nextAt`; the claim is released. */
  async release(
    taskId: string,
    step: AfterRunStepName,
    to: { status: 'done' | 'failed' | 'skipped' } | { status: 'pending'; nextAt: number },
    error: string | null = null,
    now = Date.now(),
  ): Promise<void> {
    await this.db
      .updateTable('after_run_steps')
      .set({ status: to.status, ...(to.status === 'pending' ? { next_at: to.nextAt } : {}), error, claimed_by: null, claimed_until: null, updated_at: now })
      .where('task_id', '=', taskId)
      .where('step', '=', step)
      .execute();
  }
}

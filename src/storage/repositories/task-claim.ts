import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.js';
import { moveNamed } from '../../domain/task-status.js';
import type { Database, TaskRow, TaskUpdate } from '../schema.js';
import { type ClaimLimits, overLimit } from './claim-limits.js';
import { transact } from './transact.js';

export interface ClaimResult {
  /** The claimed row (status `running`, a fresh `fence_id`). */
  row?: TaskRow;
  /** Another task of the conversation runs or waits before this one. */
  blockedBy?: string;
  /** A limit is reached: the task stays queued and is offered again (which limit, for the log). */
  limitedBy?: string;
}

/**
 * What a claim writes besides the move to `running`. Left out, `attempts` is counted up from the row's and `model`
 * becomes `defaultModel` when the task names none, in the same statement (no read of the row before the claim).
 */
export type ClaimPatch = TaskUpdate & { defaultModel?: string };

/**
 * The claim's conditional update: the task moves to `running` only if it is `queued` with no cancel recorded (and,
 * `alone`, has no conversation to wait in). Returns the claimed row, or undefined.
 */
function claimUpdate(db: Kysely<Database>, taskId: string, patch: ClaimPatch, now: number, alone: boolean): Promise<TaskRow | undefined> {
  const { defaultModel, ...fields } = patch;
  const move = moveNamed('claim'); // queued → running, unless a cancel was recorded first
  let update = db
    .updateTable('tasks')
    .set((eb) => ({
      ...(fields.attempts === undefined ? { attempts: eb('attempts', '+', 1) } : {}),
      ...(fields.model === undefined && defaultModel !== undefined ? { model: eb.fn.coalesce('model', eb.val(defaultModel)) } : {}),
      ...fields,
      status: move.to,
      fence_id: newId('fence'),
      updated_at: now,
    }))
    .where('task_id', '=', taskId)
    .where('status', 'in', [...move.from])
    .where('cancel_requested', '=', 0);
  if (alone) update = update.where('conversation_id', 'is', null);
  return update.returningAll().executeTakeFirst();
}

/**
 * A worker's claim (TaskRepository.claim). A task of no conversation, with no cluster-wide limit to count, is claimed
 * in one statement. Otherwise, in one transaction: the conversation row is locked first, so two workers claiming two
 * follow-ups at once cannot both pass the check that no other task of it runs or waits before this one; with
 * `limits`, running tasks (all, the requester's, the source's) are counted under one cluster-wide lock and the claim
 * is refused past a limit. A successful claim gives the attempt a fresh fencing id (`fence_id`): settle() and
 * updateRun() write only while the task still carries it.
 */
export async function claimQueued(db: Kysely<Database>, taskId: string, patch: ClaimPatch, now: number, limits: ClaimLimits): Promise<ClaimResult> {
  const limited = !!(limits.global || limits.perRequester || limits.perSource);
  if (!limited) {
    const row = await claimUpdate(db, taskId, patch, now, true);
    if (row) return { row };
  }
  return transact(db, async (trx) => {
    const task = await trx
      .selectFrom('tasks')
      .select(['status', 'conversation_id', 'created_at', 'requester', 'source', 'attempts'])
      .where('task_id', '=', taskId)
      .executeTakeFirst();
    if (task?.status !== 'queued') return {}; // cancelled while waiting, or already taken
    if (task.conversation_id) {
      // A no-op update takes the row lock on PostgreSQL (SQLite runs one write transaction at a time anyway).
      await trx
        .updateTable('conversations')
        .set((eb) => ({ updated_at: eb.ref('updated_at') }))
        .where('conversation_id', '=', task.conversation_id)
        .execute();
      const blocker = await trx
        .selectFrom('tasks')
        .select('task_id')
        .where('conversation_id', '=', task.conversation_id)
        .where('task_id', '!=', taskId)
        .where((eb) =>
          eb.or([
            eb('status', '=', 'running'),
            eb.and([
              eb('status', '=', 'queued'),
              eb('cancel_requested', '=', 0),
              eb.or([eb('created_at', '<', task.created_at), eb.and([eb('created_at', '=', task.created_at), eb('task_id', '<', taskId)])]),
            ]),
          ]),
        )
        .orderBy('created_at')
        .orderBy('task_id')
        .limit(1)
        .executeTakeFirst();
      if (blocker) return { blockedBy: blocker.task_id };
    }
    if (limited) {
      const limitedBy = await overLimit(trx, task, limits);
      if (limitedBy) return { limitedBy };
    }
    return { row: await claimUpdate(trx, taskId, patch, now, false) };
  });
}

import { type Expression, type ExpressionBuilder, type Kysely, SqliteAdapter, sql } from 'kysely';
import { newId } from '../../domain/ids.js';
import { moveNamed } from '../../domain/task-status.js';
import type { Database, TaskRow, TaskUpdate } from '../schema.js';
import { type ClaimLimits, overLimit } from './claim-limits.js';
import { preparedByShape } from '../prepared.js';
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

type Task = { task_id: string; conversation_id: string | null; created_at: number };
type Other = ExpressionBuilder<Database & { other: Database['tasks'] }, 'other'>;

/** `other` runs, or waits ahead of the task (`id`, `createdAt`) in the queue: older, or as old with a smaller id. */
function runsOrWaitsAhead(w: Other, id: Expression<string>, createdAt: Expression<number>) {
  return w.or([
    w('other.status', '=', 'running'),
    w.and([
      w('other.status', '=', 'queued'),
      w('other.cancel_requested', '=', 0),
      w.or([w('other.created_at', '<', createdAt), w.and([w('other.created_at', '=', createdAt), w('other.task_id', '<', id)])]),
    ]),
  ]);
}

/** The task of `task`'s conversation it waits for, if any. */
function blockerOf(db: Kysely<Database>, task: Task) {
  return db
    .selectFrom('tasks as other')
    .select('other.task_id')
    .where('other.conversation_id', '=', task.conversation_id)
    .where('other.task_id', '!=', task.task_id)
    .where((w) => runsOrWaitsAhead(w, sql.val(task.task_id), sql.val(task.created_at)))
    .orderBy('other.created_at')
    .orderBy('other.task_id')
    .limit(1);
}

/**
 * The claim's conditional update: the task moves to `running` only if it is `queued` with no cancel recorded and, when
 * `checkConversation`, no other task of its conversation runs or waits ahead of it (checked in the same statement).
 * Returns the claimed row, or undefined. Compiled once per shape (../prepared.ts): every task is claimed.
 */
async function claimUpdate(db: Kysely<Database>, taskId: string, patch: ClaimPatch, now: number, checkConversation: boolean): Promise<TaskRow | undefined> {
  const { defaultModel, ...fields } = patch;
  const values: Record<string, unknown> = { ...fields, $defaultModel: defaultModel, $fence: newId('fence'), $now: now, $task: taskId };
  const written = Object.keys(fields).filter((k) => fields[k as keyof typeof fields] !== undefined);
  const shape = `${checkConversation ? 'conversation' : 'alone'}|${defaultModel === undefined ? '' : 'default'}|${written.join(',')}`;
  return (await claimStatement.execute(db, shape, values)).rows[0];
}

const claimStatement = preparedByShape<Record<string, unknown>>()((db, value, shape) => {
  const [check, withDefault, list] = shape.split('|') as [string, string, string];
  const fields = list.split(',').filter(Boolean);
  const move = moveNamed('claim'); // queued → running, unless a cancel was recorded first
  let update = db
    .updateTable('tasks')
    .set((eb) => ({
      ...(fields.includes('attempts') ? {} : { attempts: eb('attempts', '+', 1) }),
      ...(!fields.includes('model') && withDefault ? { model: eb.fn.coalesce('model', eb.val(value('$defaultModel') as string)) } : {}),
      ...(Object.fromEntries(fields.map((f) => [f, value(f)])) as TaskUpdate),
      status: move.to,
      fence_id: value('$fence') as string,
      updated_at: value('$now') as number,
    }))
    .where('task_id', '=', value('$task') as string)
    .where('status', 'in', [...move.from])
    .where('cancel_requested', '=', 0);
  if (check === 'conversation') {
    update = update.where((eb) =>
      eb.or([
        eb('tasks.conversation_id', 'is', null),
        eb.not(
          eb.exists(
            eb
              .selectFrom('tasks as other')
              .select('other.task_id')
              .whereRef('other.conversation_id', '=', 'tasks.conversation_id')
              .whereRef('other.task_id', '!=', 'tasks.task_id')
              .where((w) => runsOrWaitsAhead(w, eb.ref('tasks.task_id'), eb.ref('tasks.created_at'))),
          ),
        ),
      ]),
    );
  }
  return update.returningAll();
});

/** Why a claim found nothing to take: the task is no longer queued ({}), or what it waits for in its conversation. */
async function whyNotClaimed(db: Kysely<Database>, taskId: string): Promise<ClaimResult> {
  const task = await db.selectFrom('tasks').select(['task_id', 'status', 'conversation_id', 'created_at']).where('task_id', '=', taskId).executeTakeFirst();
  if (task?.status !== 'queued' || !task.conversation_id) return {};
  const blocker = await blockerOf(db, task).executeTakeFirst();
  return blocker ? { blockedBy: blocker.task_id } : {};
}

/**
 * A worker's claim (TaskRepository.claim), one run per conversation. With no cluster-wide limit to count: on SQLite,
 * one statement (the conditional update checks the conversation itself; SQLite runs one write at a time, so two claims
 * cannot both pass that check); on PostgreSQL, one transaction in which the conversation row is locked before that
 * same update, so two workers claiming two follow-ups at once wait for each other, and the second's update (a new
 * snapshot, READ COMMITTED) sees the first's. With `limits`, running tasks (all, the requester's, the source's) are
 * counted under one cluster-wide lock and the claim is refused past a limit. A successful claim gives the attempt a
 * fresh fencing id (`fence_id`): settle() and updateRun() write only while the task still carries it. Only a claim
 * that took nothing reads the row, to say why.
 */
export async function claimQueued(db: Kysely<Database>, taskId: string, patch: ClaimPatch, now: number, limits: ClaimLimits): Promise<ClaimResult> {
  const limited = !!(limits.global || limits.perRequester || limits.perSource);
  if (limited) return claimCounted(db, taskId, patch, now, limits);
  const row =
    db.getExecutor().adapter instanceof SqliteAdapter
      ? await claimUpdate(db, taskId, patch, now, true)
      : await transact(db, async (trx) => {
          // A no-op update takes the conversation's row lock (none when the task has no conversation).
          await trx
            .updateTable('conversations')
            .set((eb) => ({ updated_at: eb.ref('updated_at') }))
            .where('conversation_id', '=', (eb) => eb.selectFrom('tasks').select('conversation_id').where('task_id', '=', taskId))
            .execute();
          return claimUpdate(trx, taskId, patch, now, true);
        });
  return row ? { row } : whyNotClaimed(db, taskId);
}

/** The claim under cluster-wide limits: one transaction, the conversation locked, then the limits counted. */
function claimCounted(db: Kysely<Database>, taskId: string, patch: ClaimPatch, now: number, limits: ClaimLimits): Promise<ClaimResult> {
  return transact(db, async (trx) => {
    const task = await trx
      .selectFrom('tasks')
      .select(['task_id', 'status', 'conversation_id', 'created_at', 'requester', 'source', 'attempts'])
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
      const blocker = await blockerOf(trx, task).executeTakeFirst();
      if (blocker) return { blockedBy: blocker.task_id };
    }
    const limitedBy = await overLimit(trx, task, limits);
    if (limitedBy) return { limitedBy };
    return { row: await claimUpdate(trx, taskId, patch, now, false) };
  });
}

import type { Kysely } from 'kysely';
import { FINAL_STATUSES, isFinal, type MoveName, moveNamed, type TaskStatus } from '../../domain/task-status.js';
import { addToRollups } from '../rollups.js';
import type { ClaimLimits } from './claim-limits.js';
import type { Database, NewTaskRow, TaskRow, TaskUpdate } from '../schema.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { type ClaimPatch, type ClaimResult, claimQueued } from './task-claim.js';
import { prepared, preparedByShape } from '../prepared.js';
import { transact } from './transact.js';

export type { ClaimLimits } from './claim-limits.js';
export type { ClaimPatch, ClaimResult } from './task-claim.js';

export interface TaskFilter {
  status?: TaskStatus[];
  conversation_id?: string;
  session_id?: string;
  source?: string;
  flow_id?: string;
  /** The external thread (`github:owner/repo#12`) a task came from. */
  external_id?: string;
  limit: number;
  cursor?: string;
}

export type NewTask = Omit<NewTaskRow, 'created_at' | 'updated_at' | 'status' | 'queued_at'> & {
  status: 'queued' | 'waiting_approval';
};

export class TaskRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Inserts the row and counts it in its conversation (with `messages`, the messages added to the conversation with
   * it, stored uncounted), in one transaction, and makes sure its session row exists (ensureSession: the session's
   * totals are counted when read, since every task of a source, all of GitHub's webhook tasks say, shares that row).
   */
  async create(task: NewTask, now = Date.now(), messages = 0): Promise<TaskRow> {
    return transact(this.db, async (trx) => {
      const values: Record<string, unknown> = { ...task, created_at: now, updated_at: now, queued_at: task.status === 'queued' ? now : null };
      const row = (await insertTask.execute(trx, fieldsOf(values).join(','), values)).rows[0]!;
      if (task.conversation_id) await countTaskInConversation.execute(trx, { id: task.conversation_id, messages, now });
      await ensureSession(trx, task.session_id, now);
      return row;
    });
  }

  async get(taskId: string): Promise<TaskRow | undefined> {
    return (await taskById.execute(this.db, { id: taskId })).rows[0];
  }

  /**
   * Makes one of the status machine's moves, with the other fields in `patch`, as one conditional update: only if the
   * task is in one of the move's source statuses (and, for a claim, carries no recorded cancel). Returns the updated
   * row, or undefined when the task was elsewhere (someone else moved it first). Reaching a final status adds the
   * task's cost to its session and conversation, and its figures to the analytics rollups, in the same transaction.
   */
  async transition(taskId: string, name: MoveName, patch: TaskUpdate = {}, now = Date.now()): Promise<TaskRow | undefined> {
    return transact(this.db, (trx) => applyMove(trx, taskId, name, patch, now));
  }

  /**
   * A worker's claim, one run per conversation: the task moves to `running` only when no other task of its
   * conversation is running and none queued before it is still waiting (follow-ups run in the order they were sent,
   * each resuming the session the one before left). Otherwise nothing changes and the blocking task's id is returned;
   * the blocked task stays `queued` and is run when the blocker settles (Worker) or by reconciliation. A task that is
   * not `queued` (taken, cancelled) gives an empty result. See claimQueued (task-claim.ts) for how it is written.
   */
  claim(taskId: string, patch: ClaimPatch, now = Date.now(), limits: ClaimLimits = {}): Promise<ClaimResult> {
    return claimQueued(this.db, taskId, patch, now, limits);
  }

  /**
   * Records how a run ended (or hands it back), as transition() does, but only while the task still carries the
   * attempt's fencing id: a worker presumed dead whose run was recovered and claimed again gets undefined back
   * (its late result is discarded, not recorded over the newer attempt's).
   */
  async settle(taskId: string, name: MoveName, patch: TaskUpdate, fence: string | null, now = Date.now()): Promise<TaskRow | undefined> {
    return transact(this.db, (trx) => applyMove(trx, taskId, name, patch, now, fence));
  }

  /** A running task's heartbeat; a beat that races the task's final write leaves the ended row as it was. */
  async heartbeat(taskId: string, now = Date.now()): Promise<void> {
    await this.db.updateTable('tasks').set({ heartbeat_at: now, updated_at: now }).where('task_id', '=', taskId).where('status', '=', 'running').execute();
  }

  /**
   * Fields of a running attempt (child pid, working directory…), written only while the task carries its fence.
   * Returns whether a cancel is recorded on the row (its reason in `error`), read by the same statement, or undefined
   * when the attempt's fence is no longer there (nothing was written).
   */
  async updateRun(taskId: string, fence: string | null, patch: TaskUpdate, now = Date.now()): Promise<Pick<TaskRow, 'cancel_requested' | 'error'> | undefined> {
    const values: Record<string, unknown> = { ...patch, updated_at: now, $task: taskId, $fence: fence };
    const shape = `${fence === null ? 'unfenced' : 'fenced'}|${fieldsOf({ ...patch, updated_at: now }).join(',')}`;
    return (await updateRunFields.execute(this.db, shape, values)).rows[0];
  }

  /** Running tasks of the given workers (those found dead). */
  async runningOn(workerIds: string[]): Promise<TaskRow[]> {
    if (workerIds.length === 0) return [];
    return this.db.selectFrom('tasks').selectAll().where('status', '=', 'running').where('worker_id', 'in', workerIds).orderBy('created_at').execute();
  }

  /** The conversation's oldest task still waiting in the queue: the one to run when the conversation's run ends. */
  async nextInConversation(conversationId: string): Promise<string | undefined> {
    return (await nextQueuedIn.execute(this.db, { id: conversationId })).rows[0]?.task_id;
  }

  /**
   * Records that the task is to be cancelled, whatever it is doing now, unless it has finished; `reason` is kept in
   * `error` until the run's own ending replaces it. Returns the row, or undefined when the task is missing or final.
   */
  async requestCancel(taskId: string, reason: string, now = Date.now()): Promise<TaskRow | undefined> {
    return this.db
      .updateTable('tasks')
      .set({ cancel_requested: 1, error: reason, updated_at: now })
      .where('task_id', '=', taskId)
      .where('status', 'not in', [...FINAL_STATUSES])
      .returningAll()
      .executeTakeFirst();
  }

  /** Fields that do not change the status (heartbeat, child pid, live counters). */
  async update(taskId: string, patch: TaskUpdate, now = Date.now()): Promise<void> {
    await this.db
      .updateTable('tasks')
      .set({ ...patch, updated_at: now })
      .where('task_id', '=', taskId)
      .execute();
  }

  async list(filter: TaskFilter): Promise<{ tasks: TaskRow[]; next_cursor: string | null }> {
    let q = this.db.selectFrom('tasks').selectAll();
    if (filter.status?.length) q = q.where('status', 'in', filter.status);
    if (filter.conversation_id) q = q.where('conversation_id', '=', filter.conversation_id);
    if (filter.session_id) q = q.where('session_id', '=', filter.session_id);
    if (filter.source) q = q.where('source', '=', filter.source);
    if (filter.flow_id) q = q.where('flow_id', '=', filter.flow_id);
    if (filter.external_id) q = q.where('external_id', '=', filter.external_id);
    if (filter.cursor) {
      const [at, id] = decodeCursor(filter.cursor);
      q = q.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('task_id', '<', id)])]));
    }
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('task_id', 'desc')
      .limit(filter.limit + 1)
      .execute();
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return { tasks: page, next_cursor: rows.length > filter.limit && last ? encodeCursor([last.created_at, last.task_id]) : null };
  }

  async idsWithStatus(status: TaskStatus): Promise<TaskRow[]> {
    return this.db.selectFrom('tasks').selectAll().where('status', '=', status).orderBy('created_at').execute();
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('tasks')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async costSince(since: number): Promise<{ cost: number; tasks: number }> {
    const row = await this.db
      .selectFrom('tasks')
      .select([(eb) => eb.fn.coalesce(eb.fn.sum<number>('cost_usd'), eb.lit(0)).as('cost'), (eb) => eb.fn.countAll<number>().as('tasks')])
      .where('created_at', '>=', since)
      .executeTakeFirstOrThrow();
    return { cost: Number(row.cost), tasks: Number(row.tasks) };
  }
}

/** Sessions already stored, per database (a transaction's Kysely shares its database's adapter). */
const knownSessions = new WeakMap<object, Set<string>>();

/**
 * A task's session row exists (no FOREIGN KEY needs it first, so it comes last). Once a statement has found it there,
 * committed, it is known for good (sessions are never deleted) and no later task writes it: every webhook task of a
 * provider shares one session, and on PostgreSQL each INSERT of it waited for the one before it to commit.
 */
async function ensureSession(trx: Kysely<Database>, sessionId: string, now: number): Promise<void> {
  const adapter = trx.getExecutor().adapter;
  let known = knownSessions.get(adapter);
  if (!known) knownSessions.set(adapter, (known = new Set()));
  if (known.has(sessionId)) return;
  const res = await trx
    .insertInto('sessions')
    .values({ session_id: sessionId, user_id: null, machine_id: null, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('session_id').doNothing())
    .executeTakeFirst();
  // Inserted just now: this transaction may still roll back, so it is known only once found there.
  if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 0) known.add(sessionId);
}

/**
 * One of the status machine's moves as one conditional update (see TaskRepository.transition), inside `trx`. Reaching
 * a final status adds the task's cost to its session and conversation and its figures to the analytics rollups.
 */
async function applyMove(
  trx: Kysely<Database>,
  taskId: string,
  name: MoveName,
  patch: TaskUpdate,
  now: number,
  fence?: string | null,
): Promise<TaskRow | undefined> {
  const to = moveNamed(name).to;
  const values: Record<string, unknown> = { ...patch, status: to, updated_at: now, $task: taskId, $fence: fence ?? null };
  const shape = `${name}|${fence === undefined ? 'any' : fence === null ? 'unfenced' : 'fenced'}|${fieldsOf({ ...patch, status: to, updated_at: now }).join(',')}`;
  const row = (await moveTask.execute(trx, shape, values)).rows[0];
  if (!row || !isFinal(to)) return row;
  // Not the session's totals: every webhook task of a provider shares one session row, and on PostgreSQL every run's
  // end and every task created waited for its lock in turn. SessionRepository.get counts them from the tasks.
  const cost = row.cost_usd ?? 0;
  // The task's own conversation, then the rollups many tasks share: on PostgreSQL those are held from their write
  // to the COMMIT, so that wait is kept short, and a finish and a follow-up's creation lock in the same order.
  if (row.conversation_id) await addCostToConversation.execute(trx, { id: row.conversation_id, cost, now, claudeSession: row.claude_session_id });
  await addToRollups(trx, row);
  return row;
}

/** The fields a write sets (those given a value: Kysely leaves undefined ones out too), in a fixed order. */
function fieldsOf(values: Record<string, unknown>): string[] {
  return Object.keys(values).filter((k) => values[k] !== undefined && !k.startsWith('$'));
}

const fieldValues = (value: (name: string) => unknown, fields: string) =>
  Object.fromEntries(fields.split(',').filter(Boolean).map((f) => [f, value(f)])) as TaskUpdate;

// The statements every task runs, compiled once per shape (../prepared.ts): building them with Kysely for each task
// cost more than the database took to run them.
const insertTask = preparedByShape<Record<string, unknown>>()((db, value, fields) => db.insertInto('tasks').values(fieldValues(value, fields) as NewTaskRow).returningAll());
const countTaskInConversation = prepared<{ id: string; messages: number; now: number }>()((db, value) =>
  db
    .updateTable('conversations')
    .set((eb) => ({ task_count: eb('task_count', '+', 1), message_count: eb('message_count', '+', value('messages')), updated_at: value('now') }))
    .where('conversation_id', '=', value('id')),
);
const taskById = prepared<{ id: string }>()((db, value) => db.selectFrom('tasks').selectAll().where('task_id', '=', value('id')));
const nextQueuedIn = prepared<{ id: string }>()((db, value) =>
  db
    .selectFrom('tasks')
    .select('task_id')
    .where('conversation_id', '=', value('id'))
    .where('status', '=', 'queued')
    .where('cancel_requested', '=', 0)
    .orderBy('created_at')
    .orderBy('task_id')
    .limit(1),
);
/** `shape`: fenced | unfenced, then the fields. */
const updateRunFields = preparedByShape<Record<string, unknown>>()((db, value, shape) => {
  const [fence, fields] = shape.split('|') as [string, string];
  return db
    .updateTable('tasks')
    .set(fieldValues(value, fields))
    .where('task_id', '=', value('$task') as string)
    .where((eb) => (fence === 'unfenced' ? eb('fence_id', 'is', null) : eb('fence_id', '=', value('$fence') as string)))
    .returning(['cancel_requested', 'error']);
});
/** `shape`: the move's name, any | fenced | unfenced, then the fields. */
const moveTask = preparedByShape<Record<string, unknown>>()((db, value, shape) => {
  const [name, fence, fields] = shape.split('|') as [MoveName, string, string];
  const move = moveNamed(name);
  let update = db
    .updateTable('tasks')
    .set(fieldValues(value, fields))
    .where('task_id', '=', value('$task') as string)
    .where('status', 'in', [...move.from]);
  if (move.unlessCancelRequested) update = update.where('cancel_requested', '=', 0);
  if (fence !== 'any') update = update.where((eb) => (fence === 'unfenced' ? eb('fence_id', 'is', null) : eb('fence_id', '=', value('$fence') as string)));
  return update.returningAll();
});
const addCostToConversation = prepared<{ id: string; cost: number; now: number; claudeSession: string | null }>()((db, value) =>
  db
    .updateTable('conversations')
    .set((eb) => ({
      total_cost_usd: eb('total_cost_usd', '+', value('cost')),
      updated_at: value('now'),
      // The session the conversation resumes next: the run's, when it had one.
      claude_session_id: eb.fn.coalesce(eb.val(value('claudeSession')), 'claude_session_id'),
    }))
    .where('conversation_id', '=', value('id')),
);

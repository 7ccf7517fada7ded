import type { Kysely } from 'kysely';
import { prepared } from '../prepared.js';
import type { Database } from '../schema.js';

/** The statuses a storm's later deliveries may join: the task has not finished (nor waits on a person). */
const JOINABLE = ['queued', 'running'] as const;

// Every delivery that would create a task runs it, so it is compiled once (../prepared.ts).
const openOrTouchStorm = prepared<{ key: string; taskId: string; now: number; expiredBefore: number }>()((db, value) =>
  db
    .insertInto('task_storms')
    .values({ storm_key: value('key'), task_id: value('taskId'), opened_at: value('now'), last_at: value('now') })
    .onConflict((oc) =>
      oc.column('storm_key').doUpdateSet((eb) => {
        const expired = eb('task_storms.last_at', '<', value('expiredBefore'));
        return {
          task_id: eb.case().when(expired).then(eb.ref('excluded.task_id')).else(eb.ref('task_storms.task_id')).end(),
          opened_at: eb.case().when(expired).then(eb.ref('excluded.opened_at')).else(eb.ref('task_storms.opened_at')).end(),
          last_at: eb.ref('excluded.last_at'),
        };
      }),
    )
    .returning('task_id'),
);

/**
 * Alert storms (issue 15 item 4): deliveries with one storm key within a window answer one task. Decided by
 * conditional writes, so two API processes racing the same storm agree: one INSERT whose conflict replaces only an
 * expired storm and otherwise touches the live one; a join then counts on the storm's task only while it is queued or
 * running; a storm whose task has ended is taken over by a compare-and-set.
 */
export class TaskStormRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The one statement of the common case, a delivery that starts a storm: opens the storm of `key` answered by the
   * new task `taskId` where none is, or where the last one's window has passed; on a live storm, only records this
   * delivery's time (and the caller counts it on the storm's task). Returns the task that answers the storm now: `taskId` when this opened it. (Only
   * the row's own columns decide: under PostgreSQL's READ COMMITTED a conflict is rechecked against the committed
   * row, but a subquery would still read the statement's older snapshot. A SET expression reads the row as it was.)
   */
  async openOrTouch(key: string, taskId: string, now: number, windowMs: number): Promise<string> {
    const storm = (await openOrTouchStorm.execute(this.db, { key, taskId, now, expiredBefore: now - windowMs })).rows[0]!;
    return storm.task_id;
  }

  /** Counts one more delivery on a storm's task while it is queued or running: its count, or undefined when it is not. */
  async countDelivery(taskId: string): Promise<number | undefined> {
    const task = await this.db
      .updateTable('tasks')
      .set((eb) => ({ delivery_count: eb('delivery_count', '+', 1) }))
      .where('task_id', '=', taskId)
      .where('status', 'in', JOINABLE)
      .returning('delivery_count')
      .executeTakeFirst();
    return task ? Number(task.delivery_count) : undefined;
  }

  /**
   * Takes over a storm whose task has ended (compare-and-set on that task's id, so of two racing deliveries one
   * wins). False when its task is still joinable, or another delivery took it over first: join that one instead.
   */
  async replaceEnded(key: string, taskId: string, now: number): Promise<boolean> {
    const storm = await this.db.selectFrom('task_storms').select('task_id').where('storm_key', '=', key).executeTakeFirst();
    if (!storm) return false;
    const task = await this.db.selectFrom('tasks').select('status').where('task_id', '=', storm.task_id).executeTakeFirst();
    if (task && (JOINABLE as readonly string[]).includes(task.status)) return false;
    const replaced = await this.db
      .updateTable('task_storms')
      .set({ task_id: taskId, opened_at: now, last_at: now })
      .where('storm_key', '=', key)
      .where('task_id', '=', storm.task_id)
      .executeTakeFirst();
    return Number(replaced.numUpdatedRows) === 1;
  }

  /** Storms whose last delivery is older than `before`: nothing can join them any more. */
  async prune(before: number): Promise<number> {
    const r = await this.db.deleteFrom('task_storms').where('last_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** The statuses a storm's later deliveries may join: the task has not finished (nor waits on a person). */
const JOINABLE = ['queued', 'running'] as const;

/**
 * Alert storms (issue 15 item 4): deliveries with one storm key within a window answer one task. Decided by
 * conditional writes, so two API processes racing the same storm agree: a join is an UPDATE that matches only a live
 * storm; opening one is an INSERT whose conflict replaces only an expired storm, or a compare-and-set of an ended one.
 */
export class TaskStormRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Joins the live storm of `key` whose last delivery is at most `windowMs` old: its task id (now counted), or undefined. */
  async join(key: string, now: number, windowMs: number): Promise<{ taskId: string; count: number } | undefined> {
    const storm = await this.db
      .updateTable('task_storms')
      .set({ last_at: now })
      .where('storm_key', '=', key)
      .where('last_at', '>=', now - windowMs)
      .where(({ exists, selectFrom }) =>
        exists(selectFrom('tasks').select('tasks.task_id').whereRef('tasks.task_id', '=', 'task_storms.task_id').where('tasks.status', 'in', JOINABLE)),
      )
      .returning('task_id')
      .executeTakeFirst();
    if (!storm) return undefined;
    const task = await this.db
      .updateTable('tasks')
      .set((eb) => ({ delivery_count: eb('delivery_count', '+', 1) }))
      .where('task_id', '=', storm.task_id)
      .returning('delivery_count')
      .executeTakeFirstOrThrow();
    return { taskId: storm.task_id, count: Number(task.delivery_count) };
  }

  /**
   * Opens a storm answered by the new task `taskId` where none is, or where the last one's window has passed. False
   * when a storm holds the key. (Only the row's own columns decide: under PostgreSQL's READ COMMITTED a conflict is
   * rechecked against the committed row, but a subquery would still read the statement's older snapshot.)
   */
  async open(key: string, taskId: string, now: number, windowMs: number): Promise<boolean> {
    const opened = await this.db
      .insertInto('task_storms')
      .values({ storm_key: key, task_id: taskId, opened_at: now, last_at: now })
      .onConflict((oc) =>
        oc
          .column('storm_key')
          .doUpdateSet({ task_id: taskId, opened_at: now, last_at: now })
          .where('task_storms.last_at', '<', now - windowMs),
      )
      .returning('storm_key')
      .executeTakeFirst();
    return !!opened;
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

import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Firings of scheduled rules, one row per (rule, slot): the row's key is what makes a slot fire once. */
export class ScheduleFiringRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Claims a slot for the task `taskId`: true for the one caller whose insert made the key, false for everyone else
   * (a concurrent insert waits for the first to commit, then finds the key taken).
   */
  async claim(commandId: string, slot: number, taskId: string, now = Date.now()): Promise<boolean> {
    const row = await this.db
      .insertInto('schedule_firings')
      .values({ command_id: commandId, slot, task_id: taskId, fired_at: now })
      .onConflict((oc) => oc.columns(['command_id', 'slot']).doNothing())
      .returning('task_id')
      .executeTakeFirst();
    return !!row;
  }

  async forCommand(commandId: string, limit = 20) {
    return this.db.selectFrom('schedule_firings').selectAll().where('command_id', '=', commandId).orderBy('slot', 'desc').limit(limit).execute();
  }
}

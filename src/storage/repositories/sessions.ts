import type { Kysely } from 'kysely';
import { FINAL_STATUSES } from '../../domain/task-status.js';
import type { Database, SessionRow } from '../schema.js';

export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async ensure(sessionId: string, userId: string | null = null, now = Date.now()): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ session_id: sessionId, user_id: userId, machine_id: null, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('session_id').doNothing())
      .execute();
  }

  /**
   * The session with its totals, counted from its tasks (the cost of those that ended): the row itself is written once,
   * since every webhook task of a provider shares it and counting in it made each one wait for the others' locks.
   */
  async get(sessionId: string): Promise<SessionRow | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
    if (!row) return undefined;
    const totals = await this.db
      .selectFrom('tasks')
      .select((eb) => [
        eb.fn.countAll<number>().as('tasks'),
        eb.fn.coalesce(eb.fn.sum<number>(eb.case().when('status', 'in', [...FINAL_STATUSES]).then(eb.ref('cost_usd')).else(0).end()), eb.lit(0)).as('cost'),
      ])
      .where('session_id', '=', sessionId)
      .executeTakeFirstOrThrow();
    return { ...row, total_tasks: Number(totals.tasks), total_cost_usd: Number(totals.cost) };
  }
}

import type { Kysely } from 'kysely';
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

  get(sessionId: string): Promise<SessionRow | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
  }
}

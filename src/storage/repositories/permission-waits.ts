import type { Kysely } from 'kysely';
import type { Database, PermissionWaitRow } from '../schema.js';

/**
 * Deliveries whose tasks wait for their sender's permission (src/webhooks/permission-wait.ts). A process decides a
 * row only while it holds the row's claim (a compare-and-set on claimed_until), so two API processes sweeping at once
 * never decide one delivery twice; a process that dies mid-way leaves a claim that expires.
 */
export class PermissionWaitRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(row: { event_id: string; provider: string; event: string; plan: string; created_at: number }): Promise<void> {
    await this.db.insertInto('permission_waits').values({ ...row, claimed_until: null }).execute();
  }

  /** Rows nobody holds now, oldest first. */
  async free(now: number, limit = 100): Promise<PermissionWaitRow[]> {
    return this.db
      .selectFrom('permission_waits')
      .selectAll()
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('created_at')
      .limit(limit)
      .execute();
  }

  /** Takes the row until `until`; false when another process holds it or it is decided. */
  async claim(eventId: string, now: number, until: number): Promise<boolean> {
    const r = await this.db
      .updateTable('permission_waits')
      .set({ claimed_until: until })
      .where('event_id', '=', eventId)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Gives the row back after a failed attempt, for the next sweep. */
  async release(eventId: string, error?: string): Promise<void> {
    await this.db
      .updateTable('permission_waits')
      .set((eb) => ({ claimed_until: null, ...(error === undefined ? {} : { attempts: eb('attempts', '+', 1), last_error: error }) }))
      .where('event_id', '=', eventId)
      .execute();
  }

  async remove(eventId: string): Promise<void> {
    await this.db.deleteFrom('permission_waits').where('event_id', '=', eventId).execute();
  }

  async get(eventId: string): Promise<PermissionWaitRow | undefined> {
    return this.db.selectFrom('permission_waits').selectAll().where('event_id', '=', eventId).executeTakeFirst();
  }
}

import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface StoredEvent {
  task_id: string;
  seq: number;
  type: string;
  item: unknown;
  created_at: number;
}

export class TaskEventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a batch and moves the task's event counter to the batch's last seq, atomically. */
  async append(events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const first = events[0]!;
    const lastSeq = events[events.length - 1]!.seq;
    await this.db.transaction().execute(async (trx) => {
      // Batches are bounded (the recorder flushes at 100 items), well inside SQLite's bound-parameter limit.
      await trx
        .insertInto('task_events')
        .values(events.map((e) => ({ task_id: e.task_id, seq: e.seq, type: e.type, item: JSON.stringify(e.item), created_at: e.created_at })))
        .execute();
      await trx.updateTable('tasks').set({ event_count: lastSeq }).where('task_id', '=', first.task_id).execute();
    });
  }

  async listAfter(taskId: string, after: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.db
      .selectFrom('task_events')
      .selectAll()
      .where('task_id', '=', taskId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, item: JSON.parse(r.item) as unknown }));
  }
}

import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface StoredEvent {
  task_id: string;
  seq: number;
  type: string;
  item: unknown;
  created_at: number;
}

/**
 * A stored item whose text is the task's output names the field that text belongs in (`text` of a text item,
 * `result` of a result); the field is stored empty and filled from tasks.output on read, so the text is kept once.
 */
const OUTPUT_REF = '$output';
const EMPTIED_DELTA = JSON.stringify({ kind: 'text_delta', text: '' });
/** Seqs per statement, well inside SQLite's bound-parameter limit. */
const CHUNK = 500;

type Item = Record<string, unknown>;

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

  /**
   * After a run: the deltas `emptied` lose their text (it is in the text item that followed them; the rows keep the
   * numbering whole), and the items `outputRefs` (the final text, the result) refer to the task's output instead of
   * holding a copy. Call it only once the output is stored on the task.
   */
  async fold(taskId: string, emptied: readonly number[], outputRefs: readonly number[]): Promise<void> {
    if (emptied.length === 0 && outputRefs.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < emptied.length; i += CHUNK) {
        await trx
          .updateTable('task_events')
          .set({ item: EMPTIED_DELTA })
          .where('task_id', '=', taskId)
          .where('seq', 'in', emptied.slice(i, i + CHUNK))
          .execute();
      }
      if (outputRefs.length === 0) return;
      const rows = await trx.selectFrom('task_events').select(['seq', 'item']).where('task_id', '=', taskId).where('seq', 'in', outputRefs).execute();
      for (const row of rows) {
        const item = JSON.parse(row.item) as Item;
        const field = item.kind === 'result' ? 'result' : 'text';
        const ref = { ...item, [field]: '', [OUTPUT_REF]: field };
        await trx.updateTable('task_events').set({ item: JSON.stringify(ref) }).where('task_id', '=', taskId).where('seq', '=', row.seq).execute();
      }
    });
  }

  /** Deletes up to `limit` events stored before `cutoff`, oldest first; returns how many (the caller repeats). */
  async pruneBefore(cutoff: number, limit: number): Promise<number> {
    const res = await this.db
      .deleteFrom('task_events')
      .where((eb) =>
        eb(
          eb.refTuple('task_id', 'seq'),
          'in',
          eb.selectFrom('task_events').select(['task_id', 'seq']).where('created_at', '<', cutoff).orderBy('created_at').limit(limit).$asTuple('task_id', 'seq'),
        ),
      )
      .executeTakeFirst();
    return Number(res.numDeletedRows);
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
    const events = rows.map((r) => ({ ...r, item: JSON.parse(r.item) as Item }));
    const refs = events.filter((e) => typeof e.item[OUTPUT_REF] === 'string');
    if (refs.length > 0) {
      const task = await this.db.selectFrom('tasks').select('output').where('task_id', '=', taskId).executeTakeFirst();
      for (const e of refs) {
        const { [OUTPUT_REF]: field, ...item } = e.item;
        e.item = { ...item, [field as string]: task?.output ?? '' };
      }
    }
    return events;
  }
}

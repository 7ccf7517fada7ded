import { type Kysely, SqliteAdapter } from 'kysely';
import type { Database } from '../schema.js';
import { transact } from './transact.js';

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
  private readonly sqlite: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  }

  /**
   * Stores a batch and moves the task's event counter to the batch's last seq, atomically: on PostgreSQL in one
   * statement (the insert a data-modifying WITH of the update: one round trip), on SQLite in one transaction.
   */
  async append(events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const taskId = events[0]!.task_id;
    const lastSeq = events[events.length - 1]!.seq;
    // Batches are bounded (the recorder flushes at 100 items), well inside SQLite's bound-parameter limit.
    const rows = events.map((e) => ({ task_id: e.task_id, seq: e.seq, type: e.type, item: JSON.stringify(e.item), created_at: e.created_at }));
    if (!this.sqlite) {
      await this.db
        .with('stored', (db) => db.insertInto('task_events').values(rows))
        .updateTable('tasks')
        .set({ event_count: lastSeq })
        .where('task_id', '=', taskId)
        .execute();
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('task_events').values(rows).execute();
      await trx.updateTable('tasks').set({ event_count: lastSeq }).where('task_id', '=', taskId).execute();
    });
  }

  /**
   * After a run: the deltas `emptied` lose their text (it is in the text item that followed them; the rows keep the
   * numbering whole), and the items `outputRefs` (the final text, the result: each as it was stored) refer to the
   * task's output instead of holding a copy. Call it only once the output is stored on the task. A single write (the
   * usual run: its result only) needs no transaction around it.
   */
  async fold(taskId: string, emptied: readonly number[], outputRefs: ReadonlyArray<{ seq: number; item: object }>): Promise<void> {
    const writes: Array<(db: Kysely<Database>) => Promise<unknown>> = [];
    for (let i = 0; i < emptied.length; i += CHUNK) {
      const seqs = emptied.slice(i, i + CHUNK);
      writes.push((db) => db.updateTable('task_events').set({ item: EMPTIED_DELTA }).where('task_id', '=', taskId).where('seq', 'in', seqs).execute());
    }
    for (const { seq, item } of outputRefs) {
      const field = (item as Item).kind === 'result' ? 'result' : 'text';
      const ref = JSON.stringify({ ...item, [field]: '', [OUTPUT_REF]: field });
      writes.push((db) => db.updateTable('task_events').set({ item: ref }).where('task_id', '=', taskId).where('seq', '=', seq).execute());
    }
    if (writes.length === 1) await writes[0]!(this.db);
    if (writes.length <= 1) return;
    await transact(this.db, async (trx) => {
      for (const write of writes) await write(trx);
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

import { type Kysely, SqliteAdapter } from 'kysely';
import type { Database } from '../schema.js';
import { prepared, preparedByShape } from '../prepared.js';
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
    const values: Record<string, unknown> = { $task: taskId, $last: lastSeq };
    events.forEach((e, i) => Object.assign(values, { [`t${i}`]: e.task_id, [`s${i}`]: e.seq, [`y${i}`]: e.type, [`i${i}`]: JSON.stringify(e.item), [`c${i}`]: e.created_at }));
    const shape = String(events.length);
    if (!this.sqlite) {
      await appendCounted.execute(this.db, shape, values);
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      await insertEvents.execute(trx, shape, values);
      await countEvents.execute(trx, values as { $task: string; $last: number });
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
      writes.push((db) => referToOutput.execute(db, { task: taskId, seq, item: ref }));
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

type Value = (name: string) => unknown;
/** A batch of `count` events, each value named by its column's letter and its place in the batch. */
const eventRows = (value: Value, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    task_id: value(`t${i}`) as string,
    seq: value(`s${i}`) as number,
    type: value(`y${i}`) as string,
    item: value(`i${i}`) as string,
    created_at: value(`c${i}`) as number,
  }));

// Every run stores its events and folds them: compiled once per batch size (../prepared.ts).
const insertEvents = preparedByShape<Record<string, unknown>>()((db, value, shape) => db.insertInto('task_events').values(eventRows(value, Number(shape))));
const countEvents = prepared<{ $task: string; $last: number }>()((db, value) =>
  db.updateTable('tasks').set({ event_count: value('$last') }).where('task_id', '=', value('$task')),
);
/** PostgreSQL: the insert as a data-modifying WITH of the counter's update, one statement. */
const appendCounted = preparedByShape<Record<string, unknown>>()((db, value, shape) =>
  db
    .with('stored', (db) => db.insertInto('task_events').values(eventRows(value, Number(shape))))
    .updateTable('tasks')
    .set({ event_count: value('$last') as number })
    .where('task_id', '=', value('$task') as string),
);
const referToOutput = prepared<{ task: string; seq: number; item: string }>()((db, value) =>
  db.updateTable('task_events').set({ item: value('item') }).where('task_id', '=', value('task')).where('seq', '=', value('seq')),
);

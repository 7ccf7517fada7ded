// The one cursor codec of every keyset page (tasks, conversations, messages, the ledger): base64url of a JSON list
// of where the last page ended. Opaque to clients; whatever does not decode to what was handed out is a 400.
import type { LedgerOrder, LedgerSort } from '../../contracts/ledger.js';

export class BadCursorError extends Error {
  constructor(readonly why = 'is not one this API returned') {
    super(`cursor ${why}`);
    this.name = 'BadCursorError';
  }
}

export function encodeCursor(parts: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The cursor's parts, when it is a JSON list of `length` items; else BadCursorError. */
function cursorParts(cursor: string, length: number): unknown[] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // reported below
  }
  if (!Array.isArray(parts) || parts.length !== length) throw new BadCursorError();
  return parts;
}

/** A page ordered by (time, id): the last row's time and id. */
export function decodeCursor(cursor: string): [number, string] {
  const [at, id] = cursorParts(cursor, 2);
  if (typeof at !== 'number' || typeof id !== 'string') throw new BadCursorError();
  return [at, id];
}

/** Where a ledger page ended: its last row's sort value and task id. */
export interface LedgerPosition {
  value: number;
  task_id: string;
}

/** A ledger cursor also names the sort it belongs to, so it cannot be replayed on another sort. */
export function encodeLedgerCursor(sort: LedgerSort, order: LedgerOrder, at: LedgerPosition): string {
  return encodeCursor([sort, order, at.value, at.task_id]);
}

export function decodeLedgerCursor(cursor: string, sort: LedgerSort, order: LedgerOrder): LedgerPosition {
  const [s, o, value, taskId] = cursorParts(cursor, 4);
  if (s !== sort || o !== order) throw new BadCursorError(`belongs to sort=${String(s)}&order=${String(o)}; ask again without a cursor to change the sort`);
  const integral = sort !== 'cost_usd';
  if (typeof value !== 'number' || !Number.isFinite(value) || (integral && !Number.isInteger(value)) || typeof taskId !== 'string') throw new BadCursorError();
  return { value, task_id: taskId };
}

import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { FastifyInstance } from 'fastify';
import { LedgerQuery } from '../contracts/analytics.js';
import type { Services } from '../services.js';
import { type LedgerOrder, type LedgerPosition, LedgerRepository, type LedgerRow, type LedgerSort } from '../storage/repositories/ledger.js';
import { HttpError, parse } from './http-errors.js';

/** Rows per database read while streaming a CSV export: memory holds one page, whatever the export's size. */
export const CSV_PAGE_SIZE = 1000;

const CSV_COLUMNS = [
  'task_id',
  'created_at',
  'completed_at',
  'status',
  'outcome',
  'cost_usd',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'duration_ms',
  'num_turns',
  'model',
  'agent',
  'source',
  'requester',
  'rule',
  'conversation_id',
] as const;

const badQuery = (field: string, message: string) => new HttpError(400, `invalid query: ${field}: ${message}`, [`${field}: ${message}`]);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function ledgerView(r: LedgerRow) {
  return { ...r, created_at: iso(r.created_at)!, completed_at: iso(r.completed_at) };
}

/** The ledger: one row per task, filtered, sorted, in keyset pages, or the whole filtered set as a CSV stream. */
export function ledgerRoutes(app: FastifyInstance, s: Services): void {
  app.get('/api/ledger', async (req, reply) => {
    const { cursor, format, limit, ...q } = parse(LedgerQuery, req.query, 'query');
    if (q.from !== undefined && q.to !== undefined && q.from >= q.to) throw badQuery('to', 'must be after from');
    if (format === 'csv') {
      const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '');
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="ledger-${stamp}.csv"`)
        .send(csvStream(s.repos.ledger.all(q, CSV_PAGE_SIZE)));
    }
    const after = cursor === undefined ? undefined : decodeCursor(cursor, q.sort, q.order);
    const page = await s.repos.ledger.page({ ...q, limit, after });
    const last = page.rows.at(-1);
    return {
      rows: page.rows.map(ledgerView),
      next_cursor: page.more && last ? encodeCursor(q.sort, q.order, LedgerRepository.position(last, q.sort)) : null,
    };
  });
}

/** Opaque to clients: the sort it belongs to and where the page ended, so a cursor cannot be replayed on another sort. */
export function encodeCursor(sort: LedgerSort, order: LedgerOrder, at: LedgerPosition): string {
  return Buffer.from(JSON.stringify([sort, order, at.value, at.task_id])).toString('base64url');
}

function decodeCursor(cursor: string, sort: LedgerSort, order: LedgerOrder): LedgerPosition {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // reported below
  }
  if (!Array.isArray(parts) || parts.length !== 4) throw badQuery('cursor', 'is not one this API returned');
  const [s, o, value, taskId] = parts as unknown[];
  if (s !== sort || o !== order) throw badQuery('cursor', `belongs to sort=${String(s)}&order=${String(o)}; ask again without a cursor to change the sort`);
  const integral = sort !== 'cost_usd';
  if (typeof value !== 'number' || !Number.isFinite(value) || (integral && !Number.isInteger(value)) || typeof taskId !== 'string') {
    throw badQuery('cursor', 'is not one this API returned');
  }
  return { value, task_id: taskId };
}

/**
 * RFC 4180 by csv-stringify: a field with a comma, quote or line break is quoted, quotes doubled; lines end in CRLF.
 * (csv-stringify quotes a lone CR or LF only when told to.) Rows are read page by page as the client takes them.
 */
function csvStream(pages: AsyncIterable<LedgerRow[]>): Readable {
  const csv = stringify({ header: true, columns: [...CSV_COLUMNS], record_delimiter: 'windows', quoted_match: /[\r\n]/ });
  // A failed page read destroys the response stream with the error, as before; nothing more to do here.
  return pipeline(Readable.from(views(pages)), csv, () => {});
}

async function* views(pages: AsyncIterable<LedgerRow[]>): AsyncGenerator<ReturnType<typeof ledgerView>> {
  for await (const rows of pages) yield* rows.map(ledgerView);
}

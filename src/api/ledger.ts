import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { FastifyInstance } from 'fastify';
import { ERRORS } from '../contracts/common.js';
import { LedgerCsv, LedgerPage, LedgerQuery, type LedgerRow as LedgerView } from '../contracts/ledger.js';
import type { Services } from '../services.js';
import { decodeLedgerCursor, encodeLedgerCursor } from '../storage/repositories/cursor.js';
import { LedgerRepository, type LedgerRow } from '../storage/repositories/ledger.js';
import { invalid } from './http-errors.js';
import { typed } from './schemas.js';

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

const badQuery = (field: string, message: string) => invalid('query', [`${field}: ${message}`]);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function ledgerView(r: LedgerRow): LedgerView {
  return { ...r, status: r.status as LedgerView['status'], outcome: r.outcome as LedgerView['outcome'], created_at: iso(r.created_at)!, started_at: iso(r.started_at), completed_at: iso(r.completed_at) };
}

/** The ledger: one row per task, filtered, sorted, in keyset pages, or the whole filtered set as a CSV stream. */
export function ledgerRoutes(app: FastifyInstance, s: Services): void {
  const page = { 'application/json': { schema: LedgerPage }, 'text/csv': { schema: LedgerCsv } };
  const schema = { tags: ['ledger'], summary: 'One row per task: filtered, sorted, in keyset pages, or as CSV', querystring: LedgerQuery, response: { 200: { description: 'a page of rows, or with format=csv the whole filtered set', content: page }, ...ERRORS } };
  typed(app).get('/api/ledger', { schema }, async (req, reply) => {
    const { cursor, format, limit, ...q } = req.query;
    if (q.from !== undefined && q.to !== undefined && q.from >= q.to) throw badQuery('to', 'must be after from');
    if (format === 'csv') {
      const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '');
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="ledger-${stamp}.csv"`)
        // A stream is sent as it is, never serialised: LedgerCsv only describes it.
        .send(csvStream(s.repos.ledger.all(q, CSV_PAGE_SIZE)) as never);
    }
    const after = cursor === undefined ? undefined : decodeLedgerCursor(cursor, q.sort, q.order);
    const found = await s.repos.ledger.page({ ...q, limit, after });
    const last = found.rows.at(-1);
    return {
      rows: found.rows.map(ledgerView),
      next_cursor: found.more && last ? encodeLedgerCursor(q.sort, q.order, LedgerRepository.position(last, q.sort)) : null,
    };
  });
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

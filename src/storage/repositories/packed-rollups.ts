// Rollup rows for a chart, read as one text value: a chart reads up to 5,000 rows of 38 figures, and handing them
// over as rows (an object per row, a value or string per column) cost more than anything else in the answer — the
// driver's conversions and the garbage they leave. SQLite and PostgreSQL both build the text (`string_agg` of
// `format('%s,%s,…', …)`), and it is read here in one pass, figures parsed in place.
import { type RawBuilder, sql } from 'kysely';
import { DURATION_BIN_COLUMNS } from '../../domain/duration-histogram.js';
import type { RollupFigures } from '../schema.js';

/** Summed rollup figures: finished tasks and what they cost, with their duration histogram. */
export interface Figures extends RollupFigures {
  bins: number[];
}

/**
 * A row's fields in the text, in this order: bucket, the key's position in the keys asked for, cost_usd, then these
 * integer figures and the 24 bins. Every column is NOT NULL.
 */
const INTEGERS = ['tasks', 'successes', 'failures', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'num_turns', 'duration_count', 'duration_sum_ms', 'duration_max_ms'] as const;
const FIELDS = 3 + INTEGERS.length + DURATION_BIN_COLUMNS.length;
const COMMA = 44;
const SEMICOLON = 59;

/**
 * The rows as one text, `;` between rows and `,` between fields; `keys` numbers each row's key by its position in
 * the list (keys are hostile text: a comma or semicolon in one must not reach the separators).
 */
export function packedRows(keys: readonly string[] | null): RawBuilder<string | null> {
  const index = keys?.length ? sql`case ${sql.ref('key')} ${sql.join(keys.map((k, i) => sql`when ${k} then ${sql.lit(i)}`), sql` `)} end` : sql.lit(-1);
  const fields = [sql.ref('bucket'), index, sql.ref('cost_usd'), ...[...INTEGERS, ...DURATION_BIN_COLUMNS].map((c) => sql.ref(c))];
  // format writes every value into one buffer; on SQLite a seventh cheaper than concat_ws, which copies each value.
  return sql<string | null>`string_agg(format(${sql.lit(fields.map(() => '%s').join(','))}, ${sql.join(fields)}), ';')`;
}

/**
 * Calls `row` for each row of a packed text with its bucket, key position and figures. The figures are one object
 * filled anew for each row (a chart's thousands of rows leave no garbage): valid during the call, copied if kept.
 * Integers are read digit by digit, without a substring; the cost (and any value not plain digits) through Number, so
 * a float is read exactly as the database wrote it (both write the shortest text that reads back as the same double).
 */
export function readPackedRows(text: string | null | undefined, row: (bucket: number, key: number, figures: Figures) => void): void {
  if (!text) return;
  const v = new Float64Array(FIELDS);
  const figures = { ...ZERO_FIGURES, bins: [...ZERO_FIGURES.bins] };
  const end = text.length;
  let field = 0;
  for (let i = 0; i < end; i++) {
    const start = i;
    let n = 0;
    let c = text.charCodeAt(i);
    while (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      c = text.charCodeAt(++i);
    }
    if (field === 2 || i === start || (c !== COMMA && c !== SEMICOLON && i < end)) {
      while (i < end && c !== COMMA && c !== SEMICOLON) c = text.charCodeAt(++i);
      n = Number(text.slice(start, i));
    }
    v[field++] = n;
    if (c === COMMA) continue;
    // The end of a row (a semicolon, or the end of the text).
    if (field !== FIELDS) throw new Error(`a packed rollup row has ${field} fields, not ${FIELDS}`);
    row(v[0]!, v[1]!, fill(figures, v));
    field = 0;
  }
  if (field !== 0) throw new Error('a packed rollup text ends inside a row');
}

export const ZERO_FIGURES: Figures = {
  tasks: 0,
  successes: 0,
  failures: 0,
  cost_usd: 0,
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
  num_turns: 0,
  duration_count: 0,
  duration_sum_ms: 0,
  duration_max_ms: 0,
  bins: DURATION_BIN_COLUMNS.map(() => 0),
};

function fill(f: Figures, v: Float64Array): Figures {
  f.cost_usd = v[2]!;
  for (let i = 0; i < INTEGERS.length; i++) f[INTEGERS[i]!] = v[3 + i]!;
  for (let b = 0; b < f.bins.length; b++) f.bins[b] = v[3 + INTEGERS.length + b]!;
  return f;
}

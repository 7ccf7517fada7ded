import type { CompiledQuery, DatabaseConnection, Driver } from 'kysely';

/** What NUL and lone UTF-16 surrogates become in stored text: the Unicode replacement character. */
export const REPLACEMENT_CHARACTER = '\ufffd';

// NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one (no `u` flag: the
// pattern must see code units). One character of look-around each side, so the scan stays linear.
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/**
 * Text as every database here can store it. PostgreSQL refuses a NUL byte in text ("invalid byte sequence for encoding
 * UTF8: 0x00") where SQLite keeps it; a lone surrogate reaches PostgreSQL as one U+FFFD but SQLite as three. Both
 * become U+FFFD, so one request gives the same row (and never a 500) on either dialect. JSON text is untouched:
 * JSON.stringify writes NUL and lone surrogates as escapes (`\u0000`, `\ud800`), which both store as they are.
 */
export function storableText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE_ALL, REPLACEMENT_CHARACTER) : text;
}

function storableValue(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return storableList(value); // PostgreSQL array parameters
  return value;
}

/** The values made storable; the same array when none needed it (the common case: nothing is copied). */
function storableList(values: readonly unknown[]): readonly unknown[] {
  for (const value of values) if (storableValue(value) !== value) return values.map(storableValue);
  return values;
}

function storableQuery(query: CompiledQuery): CompiledQuery {
  const parameters = storableList(query.parameters);
  return parameters === query.parameters ? query : { ...query, parameters };
}

/**
 * Applies `storableText` to every string parameter of every query the driver runs — values written, and values
 * compared in a where clause (`/api/tasks/%00` is then an unknown id, not a database error). Registered for both
 * dialects in db.ts. Done on the compiled parameters rather than as a Kysely plugin: a plugin's transform copies every
 * node of every query's tree, which was a good share of each webhook delivery's CPU; the parameters are the same values.
 */
export function storingText(driver: Driver): Driver {
  const acquire = driver.acquireConnection.bind(driver);
  const patched = new WeakSet<DatabaseConnection>(); // pooled connections come back: each is wrapped once
  driver.acquireConnection = async () => {
    const connection = await acquire();
    if (!patched.has(connection)) {
      patched.add(connection);
      const execute = connection.executeQuery.bind(connection);
      const stream = connection.streamQuery.bind(connection);
      connection.executeQuery = (query) => execute(storableQuery(query));
      connection.streamQuery = (query, chunkSize) => stream(storableQuery(query), chunkSize);
    }
    return connection;
  };
  return driver;
}

import { createHash } from 'node:crypto';
import { type Compilable, CompiledQuery, type Kysely, PostgresAdapter, type QueryResult } from 'kysely';
import type { Database } from './schema.js';

/** Stands for one of a statement's values where it is built; each run puts the value of that name in its place. */
class Slot {
  constructor(readonly name: string) {}
}

type Compiled = { sql: string; parameters: readonly unknown[] };

type Value<V> = <K extends keyof V & string>(name: K) => V[K];

/**
 * A statement of fixed shape, built with Kysely once per dialect and then run with each call's values. Building a
 * query (immutable nodes copied at every step) and compiling it cost more than SQLite takes to run it: on the webhook
 * delivery path, where every statement's shape is known, that work is done once instead of per call. `build` gets
 * `value(name)` for each value that changes between calls; everything else in it is part of the statement.
 *
 *   const byKey = prepared<{ key: string }>()((db, value) => db.selectFrom('t').selectAll().where('k', '=', value('key')));
 *   const { rows } = await byKey.execute(db, { key });
 */
export function prepared<V extends object>() {
  return <R>(build: (db: Kysely<Database>, value: Value<V>) => Compilable<R>) => {
    // Per dialect adapter: a transaction's Kysely shares its database's, so every connection of one database agrees.
    const compiled = new WeakMap<object, Compiled>();
    return {
      execute(db: Kysely<Database>, values: V): Promise<QueryResult<R>> {
        const adapter = db.getExecutor().adapter;
        let statement = compiled.get(adapter);
        if (!statement) {
          statement = build(db, (name) => new Slot(name) as never).compile();
          compiled.set(adapter, statement);
          if (adapter instanceof PostgresAdapter) nameStatement(statement.sql);
        }
        const parameters = statement.parameters.map((p) => (p instanceof Slot ? (values as Record<string, unknown>)[p.name] : p));
        return db.executeQuery(CompiledQuery.raw(statement.sql, parameters)) as Promise<QueryResult<R>>;
      },
    };
  };
}

/** A row to insert whose every column is a value of the call: `values(row(value, COLUMNS))`. */
export function row<V>(value: Value<V>, columns: ReadonlyArray<keyof V & string>): V {
  return Object.fromEntries(columns.map((c) => [c, value(c)])) as V;
}

/**
 * As prepared(), for a statement whose shape depends on which fields a call writes (an update's patch): built and
 * compiled once per shape, named by `shape` (the fields, and whatever else changes the text), then run with values.
 * The shapes are those the code writes, a handful per statement.
 */
export function preparedByShape<V extends object>() {
  return <R>(build: (db: Kysely<Database>, value: Value<V>, shape: string) => Compilable<R>) => {
    const shapes = new Map<string, { execute(db: Kysely<Database>, values: V): Promise<QueryResult<R>> }>();
    return {
      execute(db: Kysely<Database>, shape: string, values: V): Promise<QueryResult<R>> {
        let statement = shapes.get(shape);
        if (!statement) {
          statement = prepared<V>()((db, value) => build(db, value, shape));
          shapes.set(shape, statement);
        }
        return statement.execute(db, values);
      },
    };
  };
}

/** PostgreSQL: the fixed statements' texts, each with the name it is prepared under on every connection. */
const NAMED = new Map<string, string>();

/**
 * PostgreSQL parses and plans a named statement once per connection instead of at every call. Only a statement
 * that names its columns: one with `*` (select * or returning *) would fail with "cached plan must not change result
 * type" once a rolling migration added a column under a running process.
 */
function nameStatement(text: string): void {
  if (text.includes('*') || NAMED.has(text)) return;
  NAMED.set(text, `cca_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`);
}

/** The name a fixed statement is prepared under on PostgreSQL, or undefined for any other text (db.ts). */
export function statementName(text: string): string | undefined {
  return NAMED.get(text);
}

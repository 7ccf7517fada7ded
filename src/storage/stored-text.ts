import {
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';

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
  if (Array.isArray(value)) return value.map(storableValue); // PostgreSQL array parameters
  return value;
}

class StoredTextTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    return { ...node, value: storableValue(node.value) };
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return { ...node, values: node.values.map(storableValue) };
  }
}

/**
 * Applies `storableText` to every string parameter of every query — values written, and values compared in a where
 * clause (`/api/tasks/%00` is then an unknown id, not a database error). Registered for both dialects in db.ts.
 */
export class StoredTextPlugin implements KyselyPlugin {
  private readonly transformer = new StoredTextTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

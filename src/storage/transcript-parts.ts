import { createHash } from 'node:crypto';

/**
 * Claude Code's session transcript repeats, in every session, the same large values: the system prompt, the tool
 * definitions, the request shapes (`api-request-shape`, `attachment` lines of 30–110 KB). Only ids, times and the
 * run's own directory differ. A transcript is therefore kept as a skeleton (its lines, with each large value replaced
 * by a reference) and parts stored once, content-addressed by sha256, however many transcripts refer to them.
 *
 * Large strings are cut into chunks at line ends, so a prompt that differs in one line (the run's own working
 * directory) shares every other chunk. A large array or object below a line's top level (whose ids make every line
 * unique) becomes a part once its own large values are references: an identical one is then one reference.
 *
 * The skeleton gives back exactly the bytes it was made from: a line is split only if JSON.stringify of its parse is
 * the line itself, and only if no object in it already has a key of the form this encoding uses; any other line is
 * kept as it is.
 */

/** A value this long (in JSON characters) or longer becomes a part. */
const PART_MIN_CHARS = 1024;
/**
 * A line longer than this (a reply of megabytes) is kept as it is: parsing and encoding it would hold the event loop
 * for long, and what it holds is the run's own output, not what sessions repeat.
 */
const SPLIT_MAX_LINE_CHARS = 4 * 1024 * 1024;
/** A long string is cut at the first line end after this many characters (or, with no line end, at 4×). */
const CHUNK_CHARS = 2048;

const REF = '\u0000ref'; // { [REF]: hash } — the value is the part (JSON)
const CAT = '\u0000cat'; // { [CAT]: [hash, …] } — the value is the string the parts (JSON strings) make together
const SPLIT_LINE = 's';
const KEPT_LINE = 'k';

export interface SplitTranscript {
  skeleton: string;
  /** Every part the skeleton refers to, directly or through another part: hash → JSON text. */
  parts: Map<string, string>;
}

export function partHash(json: string): string {
  return createHash('sha256').update(json).digest('base64url');
}

export function splitTranscript(text: string): SplitTranscript {
  const parts = new Map<string, string>();
  const put = (json: string): string => {
    const hash = partHash(json);
    parts.set(hash, json);
    return hash;
  };

  const encode = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') {
      if (value.length < PART_MIN_CHARS) return value;
      return { [CAT]: chunks(value).map((chunk) => put(JSON.stringify(chunk))) };
    }
    if (value === null || typeof value !== 'object') return value;
    const encoded = Array.isArray(value)
      ? value.map((v) => encode(v, depth + 1))
      : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v, depth + 1)]));
    if (depth === 0) return encoded;
    const json = JSON.stringify(encoded);
    return json.length < PART_MIN_CHARS ? encoded : { [REF]: put(json) };
  };

  const lines = text.split('\n').map((line) => {
    if (line.length < PART_MIN_CHARS || line.length > SPLIT_MAX_LINE_CHARS) return KEPT_LINE + line;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return KEPT_LINE + line;
    }
    if (JSON.stringify(value) !== line || hasMarkerKey(value)) return KEPT_LINE + line;
    return SPLIT_LINE + JSON.stringify(encode(value, 0));
  });
  return { skeleton: lines.join('\n'), parts };
}

/** Hashes the skeleton refers to itself (parts may refer to more: see `partRefs`). */
export function skeletonRefs(skeleton: string): Set<string> {
  const refs = new Set<string>();
  for (const line of skeleton.split('\n')) if (line.startsWith(SPLIT_LINE)) collectRefs(JSON.parse(line.slice(1)), refs);
  return refs;
}

/** Hashes one part refers to. */
export function partRefs(json: string): Set<string> {
  const refs = new Set<string>();
  collectRefs(JSON.parse(json), refs);
  return refs;
}

/** The transcript again; `part` answers a part's JSON by hash, or undefined when it is not kept (then this throws). */
export function joinTranscript(skeleton: string, part: (hash: string) => string | undefined): string {
  const load = (hash: string): unknown => {
    const json = part(hash);
    if (json === undefined) throw new Error(`transcript part ${hash} is not kept`);
    return JSON.parse(json);
  };
  const decode = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map(decode);
    const ref = marker(value);
    if (ref?.[0] === REF) return decode(load(ref[1] as string));
    if (ref?.[0] === CAT) return (ref[1] as string[]).map((h) => load(h) as string).join('');
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  };
  return skeleton
    .split('\n')
    .map((line) => (line.startsWith(SPLIT_LINE) ? JSON.stringify(decode(JSON.parse(line.slice(1)))) : line.slice(1)))
    .join('\n');
}

function chunks(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start + CHUNK_CHARS);
    const end = newline === -1 || newline - start > 4 * CHUNK_CHARS ? Math.min(text.length, start + 4 * CHUNK_CHARS) : newline + 1;
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

/** [key, value] when `value` is exactly a reference object of this encoding. */
function marker(value: object): [string, unknown] | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1 || (keys[0] !== REF && keys[0] !== CAT)) return undefined;
  return [keys[0], (value as Record<string, unknown>)[keys[0]]];
}

function hasMarkerKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasMarkerKey);
  return Object.entries(value).some(([k, v]) => k === REF || k === CAT || hasMarkerKey(v));
}

function collectRefs(value: unknown, refs: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) return value.forEach((v) => collectRefs(v, refs));
  const ref = marker(value);
  if (ref?.[0] === REF) refs.add(ref[1] as string);
  else if (ref?.[0] === CAT) for (const h of ref[1] as string[]) refs.add(h);
  else for (const v of Object.values(value)) collectRefs(v, refs);
}

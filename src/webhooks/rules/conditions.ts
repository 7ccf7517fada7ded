// Conditions: a small declarative language over a delivery, evaluated without running any user code.
//
//   { "path": "payload.label.name", "op": "equals", "value": "bug" }
//   { "all": [ …conditions ] }   { "any": [ … ] }   { "not": … }
//
// Paths start at `payload.` (the body), `headers.` (lower-case names) or `event.` (type, provider, text, actor).
// Operators: equals, not_equals, in (value is a list), contains (substring, or list membership), matches (regular
// expression, run by RE2 — linear in the text, whatever the pattern — over the first 64 KiB of the value), exists
// (value true/false).
import { RE2JS } from 're2js';

export const OPERATORS = ['equals', 'not_equals', 'in', 'contains', 'matches', 'exists'] as const;
export type Operator = (typeof OPERATORS)[number];

export type Condition =
  | { path: string; op: Operator; value?: unknown; flags?: string }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export interface ConditionContext {
  payload: unknown;
  headers: Record<string, string>;
  event: { type: string; provider: string; text: string; actor: unknown };
}

const PATH = /^(payload|headers|event)(\.[A-Za-z0-9_$-]+)*$/;
const MAX_NODES = 50;
const MAX_DEPTH = 8;
const MAX_REGEX = 200;
/** Regular expressions only ever see this much of a value. */
const MAX_MATCHED_TEXT = 64 * 1024;
/**
 * And one delivery's regular expressions together read at most this much text: RE2 is linear, but a delivery can
 * meet many commands of up to 50 conditions each, and a pass over 64 KiB costs tens of milliseconds in JavaScript.
 */
export const REGEX_TEXT_BUDGET = 1024 * 1024;

/** Every problem with a condition tree, each naming where it is (`conditions.all[1].value: …`). Empty: valid. */
export function validateConditions(input: unknown, where = 'conditions'): string[] {
  const errors: string[] = [];
  let nodes = 0;
  const walk = (c: unknown, at: string, depth: number): void => {
    if (++nodes > MAX_NODES) {
      if (nodes === MAX_NODES + 1) errors.push(`${where}: more than ${MAX_NODES} conditions`);
      return;
    }
    if (depth > MAX_DEPTH) {
      errors.push(`${at}: nested deeper than ${MAX_DEPTH} levels`);
      return;
    }
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      errors.push(`${at}: must be an object with "path" and "op", or "all", "any" or "not"`);
      return;
    }
    const keys = Object.keys(c);
    const o = c as Record<string, unknown>;
    if ('all' in o || 'any' in o) {
      const key = 'all' in o ? 'all' : 'any';
      if (keys.length !== 1) errors.push(`${at}: "${key}" must stand alone`);
      const list = o[key];
      if (!Array.isArray(list) || list.length === 0) errors.push(`${at}.${key}: must be a non-empty list`);
      else list.forEach((child, i) => walk(child, `${at}.${key}[${i}]`, depth + 1));
      return;
    }
    if ('not' in o) {
      if (keys.length !== 1) errors.push(`${at}: "not" must stand alone`);
      walk(o.not, `${at}.not`, depth + 1);
      return;
    }
    const unknownKeys = keys.filter((k) => !['path', 'op', 'value', 'flags'].includes(k));
    if (unknownKeys.length) errors.push(`${at}: unknown field ${unknownKeys.map((k) => `"${k}"`).join(', ')}`);
    if (typeof o.path !== 'string' || !PATH.test(o.path)) {
      errors.push(`${at}.path: must be a dot path starting with payload., headers. or event. (e.g. payload.issue.title)`);
    }
    if (!OPERATORS.includes(o.op as Operator)) {
      errors.push(`${at}.op: must be one of ${OPERATORS.join(', ')}`);
      return;
    }
    const op = o.op as Operator;
    if (o.flags !== undefined && (op !== 'matches' || typeof o.flags !== 'string' || !/^[imsu]*$/.test(o.flags))) {
      errors.push(`${at}.flags: only for "matches", and only the letters i, m, s, u`);
    }
    if (op === 'in' && !(Array.isArray(o.value) && o.value.length > 0 && o.value.every(isScalar))) {
      errors.push(`${at}.value: "in" needs a non-empty list of strings, numbers or booleans`);
    }
    if ((op === 'equals' || op === 'not_equals' || op === 'contains') && !isScalar(o.value)) {
      errors.push(`${at}.value: "${op}" needs a string, number, boolean or null`);
    }
    if (op === 'exists' && o.value !== undefined && typeof o.value !== 'boolean') errors.push(`${at}.value: "exists" takes true or false`);
    if (op === 'matches') {
      if (typeof o.value !== 'string') errors.push(`${at}.value: "matches" needs a regular expression as a string`);
      else {
        const problem = regexProblem(o.value, typeof o.flags === 'string' ? o.flags : '');
        if (problem) errors.push(`${at}.value: ${problem}`);
      }
    }
  };
  if (input === null || input === undefined) return [];
  walk(input, where, 0);
  return errors;
}

function isScalar(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

/**
 * Why a pattern is refused, or undefined when it is accepted. Patterns run on RE2 (re2js), whose time is linear in
 * the text for every pattern, so nothing needs to be guessed about backtracking; what RE2 cannot run —
 * back-references and lookaround, the constructs that make backtracking necessary — is refused by name.
 */
export function regexProblem(source: string, flags = ''): string | undefined {
  if (source.length > MAX_REGEX) return `regular expression is longer than ${MAX_REGEX} characters`;
  // Checked before translating: the translation would read an unknown escape such as \k as a plain "k".
  if (/(?:^|[^\\])(?:\\\\)*\\k</.test(source)) return BACK_REFERENCES;
  try {
    compileRegex(source, flags);
    return undefined;
  } catch (err) {
    if (/\\[1-9]/.test(source)) return BACK_REFERENCES;
    if (/\(\?<?[=!]/.test(source)) return 'lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not supported: patterns run on a linear-time engine (RE2); rewrite without them';
    return `not a valid regular expression: ${(err as Error).message.replace(/^error parsing regexp: /, '')}`;
  }
}

const BACK_REFERENCES = 'back-references (\\1, \\k<name>) are not supported: patterns run on a linear-time engine (RE2); rewrite without them';

const compiled = new Map<string, RE2JS>();

/** JavaScript syntax (\u00e9, named groups, [^]) translated to RE2's; flags i, m, s (u changes nothing: RE2 reads code points). */
function compileRegex(source: string, flags: string): RE2JS {
  const key = `${flags}/${source}`;
  let re = compiled.get(key);
  if (!re) {
    const bits = (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes('m') ? RE2JS.MULTILINE : 0) | (flags.includes('s') ? RE2JS.DOTALL : 0);
    re = RE2JS.compile(RE2JS.translateRegExp(source), bits);
    if (compiled.size >= 1000) compiled.clear();
    compiled.set(key, re);
  }
  return re;
}

export function readPath(context: ConditionContext, path: string): unknown {
  let value: unknown = context;
  for (const part of path.split('.')) {
    if (value === null || value === undefined) return undefined;
    if (Array.isArray(value) && /^\d+$/.test(part)) value = value[Number(part)];
    else if (typeof value === 'object' && Object.hasOwn(value as object, part)) value = (value as Record<string, unknown>)[part];
    else return undefined;
  }
  return value;
}

export interface Evaluation {
  ok: boolean;
  /** A sentence: which leaf decided, with the value it saw. */
  why: string;
}

const show = (v: unknown) => (v === undefined ? 'missing' : printable(v)?.slice(0, 80));

/** JSON of a payload value; a sender can nest one deeper than JSON.stringify's stack allows. */
export function printable(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return '(nested too deeply to show)';
  }
}

/** How much text regular expressions may still read while one delivery is evaluated (see REGEX_TEXT_BUDGET). */
export interface RegexBudget {
  left: number;
}

export const regexBudget = (): RegexBudget => ({ left: REGEX_TEXT_BUDGET });

/** Evaluates a validated condition tree; the explanation names the leaf that decided. */
export function evaluate(condition: Condition | null | undefined, context: ConditionContext, budget: RegexBudget = regexBudget()): Evaluation {
  if (!condition) return { ok: true, why: 'no conditions' };
  if ('all' in condition) {
    for (const c of condition.all) {
      const r = evaluate(c, context, budget);
      if (!r.ok) return r;
    }
    return { ok: true, why: `all ${condition.all.length} conditions hold` };
  }
  if ('any' in condition) {
    const reasons: string[] = [];
    for (const c of condition.any) {
      const r = evaluate(c, context, budget);
      if (r.ok) return r;
      reasons.push(r.why);
    }
    return { ok: false, why: `none of: ${reasons.join('; ')}` };
  }
  if ('not' in condition) {
    const r = evaluate(condition.not, context, budget);
    return { ok: !r.ok, why: r.ok ? `not(${r.why}) fails` : `not(${r.why}) holds` };
  }
  const actual = readPath(context, condition.path);
  const { op, value } = condition;
  const leaf = `${condition.path} ${op}${op === 'exists' ? '' : ` ${show(value)}`}`;
  let ok: boolean;
  switch (op) {
    case 'equals':
      ok = sameScalar(actual, value);
      break;
    case 'not_equals':
      ok = !sameScalar(actual, value);
      break;
    case 'in':
      ok = Array.isArray(value) && value.some((v) => sameScalar(actual, v));
      break;
    case 'contains':
      ok = typeof actual === 'string' ? actual.includes(String(value)) : Array.isArray(actual) && actual.some((v) => sameScalar(v, value));
      break;
    case 'matches': {
      if (typeof actual !== 'string') {
        ok = false;
        break;
      }
      const text = actual.slice(0, MAX_MATCHED_TEXT);
      if (text.length > budget.left) {
        return { ok: false, why: `${leaf} not evaluated: this delivery's regular expressions have already read ${REGEX_TEXT_BUDGET / 1024} KiB of text` };
      }
      let re: RE2JS;
      try {
        re = compileRegex(String(value), condition.flags ?? '');
      } catch (err) {
        // Saved before patterns ran on RE2 (lookaround was accepted then): it fails until someone rewrites it.
        return { ok: false, why: `${leaf} cannot run: ${regexProblem(String(value), condition.flags ?? '') ?? (err as Error).message}` };
      }
      budget.left -= text.length;
      ok = re.matcher(text).find();
      break;
    }
    case 'exists':
      ok = (actual !== undefined && actual !== null) === (value !== false);
      break;
  }
  return { ok, why: `${leaf} ${ok ? 'holds' : 'fails'} (value: ${show(actual)})` };
}

function sameScalar(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Payloads carry ids as numbers or strings depending on the provider; "12" and 12 are the same id.
  return (typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string') && String(a) === String(b);
}

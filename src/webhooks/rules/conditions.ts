// Conditions: a small declarative language over a delivery, evaluated without running any user code.
//
//   { "path": "payload.label.name", "op": "equals", "value": "bug" }
//   { "all": [ …conditions ] }   { "any": [ … ] }   { "not": … }
//
// Paths start at `payload.` (the body), `headers.` (lower-case names) or `event.` (type, provider, text, actor).
// Operators: equals, not_equals, in (value is a list), contains (substring, or list membership), matches (regular
// expression, length-limited and refused when it could backtrack catastrophically), exists (value true/false).

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
const MAX_MATCHED_TEXT = 10_000;

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
 * Why a pattern is refused, or undefined when it is accepted. JavaScript's engine backtracks, so a quantified group
 * that itself contains an unbounded quantifier (`(a+)+`, `(\w*)*`, `(x+y?)+`) can take exponential time on a crafted
 * payload; such patterns, back-references and overlong ones are refused at save time.
 */
export function regexProblem(source: string, flags = ''): string | undefined {
  if (source.length > MAX_REGEX) return `regular expression is longer than ${MAX_REGEX} characters`;
  if (/\\[1-9]|\\k</.test(source)) return 'back-references are not allowed in regular expressions';
  try {
    new RegExp(source, flags);
  } catch (err) {
    return `not a valid regular expression: ${(err as Error).message}`;
  }
  // Walk the pattern tracking, per open group, whether it holds an unbounded quantifier.
  const stack: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === '(') stack.push(false);
    else if (ch === ')') {
      const inner = stack.pop() ?? false;
      const quantified = unboundedQuantifierAt(source, i + 1);
      if (inner && (quantified || boundedRepeatAt(source, i + 1))) {
        return 'nested quantifiers (a repeated group that itself repeats) can backtrack catastrophically; rewrite without them';
      }
      if (stack.length && (inner || quantified)) stack[stack.length - 1] = true;
    } else if (unboundedQuantifierAt(source, i) && stack.length) stack[stack.length - 1] = true;
  }
  return undefined;
}

function unboundedQuantifierAt(s: string, i: number): boolean {
  const ch = s[i];
  return ch === '*' || ch === '+' || (ch === '{' && /^\{\d*,\}/.test(s.slice(i)));
}

function boundedRepeatAt(s: string, i: number): boolean {
  return s[i] === '{' && /^\{\d+(,\d+)?\}/.test(s.slice(i)) && !/^\{[01]\}/.test(s.slice(i));
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

const show = (v: unknown) => (v === undefined ? 'missing' : JSON.stringify(v)?.slice(0, 80));

/** Evaluates a validated condition tree; the explanation names the leaf that decided. */
export function evaluate(condition: Condition | null | undefined, context: ConditionContext): Evaluation {
  if (!condition) return { ok: true, why: 'no conditions' };
  if ('all' in condition) {
    for (const c of condition.all) {
      const r = evaluate(c, context);
      if (!r.ok) return r;
    }
    return { ok: true, why: `all ${condition.all.length} conditions hold` };
  }
  if ('any' in condition) {
    const reasons: string[] = [];
    for (const c of condition.any) {
      const r = evaluate(c, context);
      if (r.ok) return r;
      reasons.push(r.why);
    }
    return { ok: false, why: `none of: ${reasons.join('; ')}` };
  }
  if ('not' in condition) {
    const r = evaluate(condition.not, context);
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
    case 'matches':
      ok = typeof actual === 'string' && new RegExp(String(value), condition.flags ?? '').test(actual.slice(0, MAX_MATCHED_TEXT));
      break;
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

// fast-check generators for hostile input: strings that break storage (NUL, lone surrogates), names that break
// objects (`__proto__`), sizes and depths that break recursion, and the wrong type wherever a value goes.
import fc from 'fast-check';

/** Strings known to break something somewhere. */
const NASTY = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '\udc00\ud800', '😀', 'é',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  '../../etc/passwd', '..', 'static:github', 'null', 'true', '-1', '0', '1e309', 'NaN', 'Infinity',
  "'; drop table tasks; --", '\\', '"', '%00', '%s%s%n', '<script>alert(1)</script>', '{{payload}}', '${process.env}',
  '@agent fix it', '@agent help', '@agent analyze the \u0000 bug', `@agent${' '.repeat(5000)}x`,
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom('\u0000', '\ud800', '\udc00'), fc.string({ maxLength: 10 })).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 100_000 }).map((n) => 'x'.repeat(n)) },
);

/** Any JSON value, mostly of the wrong type for where it goes. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.constantFrom(-1, 0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 0.5),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** Nested `[` … `]` as text, around the depth limit or far beyond it. */
export const deepJson = fc.oneof(fc.integer({ min: 60, max: 70 }), fc.constant(20_000)).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`);

/** A JSON body as text: objects with the API's field names, poisoned prototypes, wrong top-level types, deep or broken text. */
export function hostileJsonBody(fields: readonly string[]): fc.Arbitrary<string> {
  const object = fc.dictionary(fc.constantFrom(...fields), hostileValue, { maxKeys: 5 }).map((o) => JSON.stringify(o));
  return fc.oneof(
    { weight: 6, arbitrary: object },
    { weight: 1, arbitrary: object.map((o) => `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${o.slice(1)}`) },
    { weight: 1, arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: deepJson.map((d) => `{"message":"hi","payload":${d}}`) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"message":', 'nul', '\u0000', '', '[1,]', '{"a":1}}') },
  );
}

/** A path segment as sent on the wire: hostile text percent-encoded, or raw escapes a client could send. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileString.filter((s) => s.length > 0 && s.length < 6000 && !/[\ud800-\udfff]/.test(s)).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constantFrom('%00', 'a%00b', '%ED%A0%80', '%FF', '%F0%9F', '%2e%2e', '%2F', '%252F', 'static%3Agithub', '__proto__') },
);

/** A query string over the keys the API reads, with hostile values (repeated keys make arrays). */
export function hostileQuery(keys: readonly string[]): fc.Arbitrary<string> {
  const value = fc.oneof(
    fc.constantFrom('-1', '0', '1', '201', '1e309', 'NaN', '', 'abc', '2020-01-01', 'not-a-date', '99999999999999999999', 'desc', 'csv', 'day', 'x,y'),
    hostileString.filter((s) => s.length < 2000),
  );
  return fc
    .array(fc.tuple(fc.constantFrom(...keys), value), { maxLength: 4 })
    .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs as [string, string][]).toString()}` : ''));
}

/** A copy of `value` with a few of its leaves replaced by hostile values, so a payload's shape survives its parser. */
export function mutateLeaves<T>(value: T): fc.Arbitrary<T> {
  const paths: string[][] = [];
  const walk = (v: unknown, at: string[]) => {
    if (v && typeof v === 'object') for (const [k, child] of Object.entries(v)) walk(child, [...at, k]);
    else paths.push(at);
  };
  walk(value, []);
  return fc.subarray(paths, { maxLength: Math.min(4, paths.length) }).chain((chosen) =>
    fc.tuple(...chosen.map(() => hostileValue)).map((values) => {
      const copy = structuredClone(value) as Record<string, unknown>;
      chosen.forEach((p, i) => {
        let node = copy;
        for (const k of p.slice(0, -1)) node = node[k] as Record<string, unknown>;
        node[p[p.length - 1]!] = values[i];
      });
      return copy as T;
    }),
  );
}

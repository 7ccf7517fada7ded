import { describe, expect, it } from 'vitest';
import { assertJsonDepth, jsonNestingDepth, JsonTooDeepError, MAX_JSON_DEPTH, parseUntrustedJson } from './json-depth.js';

const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${close.repeat(depth)}`;

describe('jsonNestingDepth', () => {
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(jsonNestingDepth('1')).toBe(0);
    expect(jsonNestingDepth('{"a":[1,{"b":2}]}')).toBe(3);
    expect(jsonNestingDepth('{"a":"[[[[{{{{"}')).toBe(1);
    expect(jsonNestingDepth('["\\"[[[["]')).toBe(1); // an escaped quote does not end the string
    expect(jsonNestingDepth('["\\\\",[[]]]')).toBe(3); // an escaped backslash does
  });

  it('scans a million levels without recursion and can stop early', () => {
    expect(jsonNestingDepth(nested(1_000_000))).toBe(1_000_000);
    expect(jsonNestingDepth(nested(1_000_000), 64)).toBe(65);
  });
});

describe('parseUntrustedJson', () => {
  it('parses JSON up to the limit and refuses deeper before parsing', () => {
    expect(parseUntrustedJson(nested(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    expect(() => parseUntrustedJson(nested(MAX_JSON_DEPTH + 1))).toThrow(JsonTooDeepError);
    expect(() => assertJsonDepth(nested(20_000, '{"a":', '}'))).toThrow(/deeper than 64 levels/);
    expect(() => parseUntrustedJson('{')).toThrow(SyntaxError);
  });
});

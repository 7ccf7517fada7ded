/**
 * How deeply a JSON body may nest. Real deliveries stay far below it (GitHub's ~6 levels, Jira's document format and
 * Slack's blocks a few more); far above it, code that walks a parsed value recursively — JSON.stringify, zod, our
 * template and condition evaluation — overflows the stack. So deeper bodies are refused before they are parsed.
 */
export const MAX_JSON_DEPTH = 64;

/** A JSON text nested deeper than allowed; routes answer it with a 400 carrying this message. */
export class JsonTooDeepError extends Error {
  readonly statusCode = 400;

  constructor(readonly limit: number) {
    super(`JSON nests deeper than ${limit} levels of arrays and objects; send a flatter document`);
    this.name = 'JsonTooDeepError';
  }
}

/** How deeply brackets nest in a JSON text (strings skipped): one linear pass, no recursion, stops past `stopAbove`. */
export function jsonNestingDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max && (max = depth) > stopAbove) return max;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Throws JsonTooDeepError when `text` nests deeper than `limit`; checked before any JSON.parse of untrusted text. */
export function assertJsonDepth(text: string, limit = MAX_JSON_DEPTH): void {
  if (jsonNestingDepth(text, limit) > limit) throw new JsonTooDeepError(limit);
}

/** JSON.parse for untrusted text: a SyntaxError as usual, or JsonTooDeepError before parsing anything too deep. */
export function parseUntrustedJson(text: string, limit = MAX_JSON_DEPTH): unknown {
  assertJsonDepth(text, limit);
  return JSON.parse(text);
}

/** Replies longer than this are folded behind "Show all": a 40 KB answer should not push the conversation away. */
export const FOLD_CHARS = 6_000;
export const FOLD_LINES = 80;

/** The start of a long text, cut at a line end; undefined when the text is short enough to show whole. */
export function foldedPart(text: string): string | undefined {
  const lines = text.split('\n');
  if (text.length <= FOLD_CHARS && lines.length <= FOLD_LINES) return undefined;
  let shown = lines.slice(0, FOLD_LINES).join('\n');
  if (shown.length > FOLD_CHARS) shown = shown.slice(0, Math.max(shown.lastIndexOf('\n', FOLD_CHARS), FOLD_CHARS / 2));
  return shown;
}

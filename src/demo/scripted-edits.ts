// Scripts of the scripted model (scripted-model.ts) that change files through Claude Code's Write tool, for the
// runs whose changes the service delivers (pull requests, reviews):
//   write PATH TEXT…          Read <cwd>/PATH (Claude Code overwrites a file only after reading it), Write it with
//                             TEXT (`\n` in it is a newline), then `Wrote PATH.` (or `Could not write PATH:
//                             <tool_result>` when the CLI refused)
//   review PATH LINE TEXT…    Read, then Write <cwd>/.agent/review.json with one finding {path: PATH, line: LINE,
//                             body: TEXT} and the summary `Review: TEXT`; then `Review: TEXT` (the run's summary)

/** A reply as scripted-model.ts sends it. */
export interface EditReply {
  blocks: Array<{ type: 'text'; text: string } | { type: 'tool_use'; name: string; input: Record<string, unknown> }>;
  stopReason: 'end_turn' | 'tool_use';
}

const say = (text: string): EditReply => ({ blocks: [{ type: 'text', text }], stopReason: 'end_turn' });

function write(cwd: string, file: string, content: string): EditReply {
  return { blocks: [{ type: 'tool_use', name: 'Write', input: { file_path: `${cwd.replace(/\/+$/, '')}/${file}`, content } }], stopReason: 'tool_use' };
}

/**
 * The reply of an edit script at `turn` (tool turns since the prompt), or undefined when `name` is not one of them.
 * `refused` is the text of the last tool result when the CLI reported an error.
 */
export function editScript(name: string, args: string[], turn: number, refused: string | undefined, cwd: string | undefined): EditReply | undefined {
  if (name !== 'write' && name !== 'review') return undefined;
  const [first = '', second = '', ...rest] = args;
  const file = name === 'write' ? first : '.agent/review.json';
  if (turn > 1) {
    if (refused !== undefined) return say(`Could not write ${file}: ${refused}`);
    return say(name === 'write' ? `Wrote ${file}.` : `Review: ${rest.join(' ')}`);
  }
  if (!cwd) return say('Scripted model: no working directory found in the request.');
  // Claude Code writes over a file only after reading it (a file that does not exist yet is an error, and no matter).
  if (turn === 0) return { blocks: [{ type: 'tool_use', name: 'Read', input: { file_path: `${cwd.replace(/\/+$/, '')}/${file}` } }], stopReason: 'tool_use' };
  if (name === 'write') return write(cwd, file, [second, ...rest].join(' ').replaceAll('\\n', '\n'));
  const body = rest.join(' ') || 'Looks wrong.';
  const review = { summary: `Review: ${body}`, comments: [{ path: first, line: Number(second), body }] };
  return write(cwd, file, JSON.stringify(review));
}

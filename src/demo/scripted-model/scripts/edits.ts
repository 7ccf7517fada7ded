import { findCwd, toolResultText } from '../request.js';
import { text } from '../replies.js';
import type { Choice, Reply, Script, ScriptContext } from '../types.js';

// Scripts that change files with the Write tool, for the runs whose changes the service delivers (pull requests,
// line reviews: src/delivery/). Claude Code overwrites a file only after reading it, so each first reads the file
// (one that does not exist yet is an error result, and no matter), then writes it, then answers.

function writeFile(file: string, content: string | ((cwd: string) => string), done: string): Script {
  return (ctx: ScriptContext): Choice => {
    const cwd = findCwd(ctx.body, ctx.rec.systemText);
    if (!cwd) return { reply: text('Scripted model: no working directory found in the request.') };
    const filePath = `${cwd.replace(/\/+$/, '')}/${file}`;
    const call = (name: string, input: Record<string, unknown>): Reply => ({ blocks: [{ type: 'tool_use', name, input }], stopReason: 'tool_use' });
    if (ctx.turn === 0) return { reply: call('Read', { file_path: filePath }) };
    if (ctx.turn === 1) return { reply: call('Write', { file_path: filePath, content: typeof content === 'string' ? content : content(cwd) }) };
    const refused = ctx.lastResults.find((b) => b.is_error === true);
    return { reply: text(refused ? `Could not write ${file}: ${toolResultText(refused)}` : done) };
  };
}

/** `write PATH TEXT…`: PATH gets TEXT (`\n` in it is a newline); then `Wrote PATH.` */
export const writeScript: Script = (ctx) => {
  const [file = 'hello.txt', ...words] = ctx.args;
  return writeFile(file, words.join(' ').replaceAll('\\n', '\n'), `Wrote ${file}.`)(ctx);
};

/**
 * `review PATH LINE TEXT…`: .agent/review.json gets one finding {path: PATH, line: LINE, body: TEXT} and the summary
 * `Review: TEXT`, which is also the run's answer.
 */
export const reviewScript: Script = (ctx) => {
  const [file = '', line = '', ...words] = ctx.args;
  const body = words.join(' ') || 'Looks wrong.';
  const review = { summary: `Review: ${body}`, comments: [{ path: file, line: Number(line), body }] };
  return writeFile('.agent/review.json', JSON.stringify(review), `Review: ${body}`)(ctx);
};

import { findCwd, toolResultText } from '../request.js';
import { bash, longText, num, text } from '../replies.js';
import type { Script } from '../types.js';

// Scripts that answer text or drive the CLI's own tools (Write, Bash) turn by turn.

/** A marker's words as reply text; `\n` in them is a newline (a marker is one line). */
const words = (args: string[]) => args.join(' ').replaceAll('\\n', '\n');

export const textScript: Script = ({ args }) => ({ reply: text(args.length ? words(args) : 'Hello from the scripted model.') });

export const toolScript: Script = ({ turn, body, rec, lastResults }) => {
  if (turn === 0) {
    const cwd = findCwd(body, rec.systemText);
    if (!cwd) return { reply: text('Scripted model: no working directory found in the request.') };
    const filePath = cwd.replace(/\/+$/, '') + '/hello.txt';
    return {
      reply: {
        blocks: [{ type: 'tool_use', name: 'Write', input: { file_path: filePath, content: 'hello from the scripted model' } }],
        stopReason: 'tool_use',
      },
    };
  }
  const failed = lastResults.find((b) => b.is_error === true);
  if (failed) return { reply: text(`Could not write hello.txt: ${toolResultText(failed)}`) };
  return { reply: text('Wrote hello.txt.') };
};

export const bashScript: Script = ({ turn, rest, lastResults }) => {
  if (turn === 0) return { reply: bash(rest || 'echo hello', 'Run the scripted command') };
  return { reply: text(`Bash output:\n${lastResults.map(toolResultText).join('\n')}`) };
};

export const slowScript: Script = ({ args }) => {
  const ms = num(args[0], 1000);
  const rest = args.slice(1);
  return {
    reply: {
      ...text(rest.length ? words(rest) : 'This reply was streamed slowly by the scripted model.'),
      streamOverMs: ms,
      chunks: 10,
    },
  };
};

export const stepsScript: Script = ({ args, turn }) => {
  const n = Math.max(0, Math.floor(num(args[0], 3)));
  const ms = num(args[1], 0);
  if (turn < n) return { reply: { ...bash(`echo step ${turn + 1}`, `Step ${turn + 1}`), delayMs: ms } };
  return { reply: text(`Done after ${n} steps.`) };
};

export const loopScript: Script = () => ({ reply: bash('echo again', 'Print again') });

export const spendScript: Script = () => ({
  reply: { ...bash('echo again', 'Print again'), usage: { input_tokens: 200_000, output_tokens: 20_000 } },
});

export const longScript: Script = ({ args }) => ({ reply: { ...text(longText(num(args[0], 16))), chunkSize: 256 } });

import { blocksOf, toolResultText } from '../request.js';
import { text } from '../replies.js';
import type { Script } from '../types.js';

// Scripts that call Read or an MCP tool and report what came back.

export const mcpScript: Script = ({ args, rest, rec, after, turn, lastResults }) => {
  const tool = args[0] ?? '';
  const raw = rest.slice(tool.length).trim() || '{}';
  const deferred = !rec.toolNames.includes(tool) && rec.toolNames.includes('ToolSearch');
  const loads = deferred || after.some((m) => blocksOf(m).some((b) => b.type === 'tool_use' && b.name === 'ToolSearch')) ? 1 : 0;
  if (turn < loads) {
    return { reply: { blocks: [{ type: 'tool_use', name: 'ToolSearch', input: { query: `select:${tool}`, max_results: 1 } }], stopReason: 'tool_use' } };
  }
  if (turn === loads) {
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return { reply: text(`Scripted model: the mcp script's input is not JSON: ${raw}`) };
    }
    return { reply: { blocks: [{ type: 'tool_use', name: tool, input }], stopReason: 'tool_use' } };
  }
  const failed = lastResults.find((b) => b.is_error === true);
  return { reply: text(`${failed ? 'Tool error' : 'Tool result'}:\n${lastResults.map(toolResultText).join('\n')}`) };
};

export const readScript: Script = ({ args, turn, lastResults }) => {
  if (turn === 0) {
    if (!args.length) return { reply: text('Scripted model: the read script needs at least one path.') };
    return {
      reply: { blocks: args.map((p) => ({ type: 'tool_use' as const, name: 'Read', input: { file_path: p } })), stopReason: 'tool_use' },
    };
  }
  // Results come back by tool_use id, which is the index of the path in the call turn.
  const byIndex = new Map(lastResults.map((b) => [Number(String(b.tool_use_id).split('_').pop()), b]));
  const lines = args.map((p, i) => {
    const r = byIndex.get(i);
    return `== ${p}\n${r ? `${r.is_error === true ? '(error) ' : ''}${toolResultText(r)}` : '(no result)'}`;
  });
  return { reply: text(`Read results:\n${lines.join('\n')}`) };
};

import type { ResultItem, StreamItem } from '../../lib/contracts';
import type { OutputEvent } from '../../lib/task-feed';

type InitItem = Extract<StreamItem, { kind: 'init' }>;

export type Block =
  | { kind: 'text'; key: string; text: string; streaming: boolean; subagent: boolean }
  | { kind: 'thinking'; key: string; text: string }
  | { kind: 'tool'; key: string; id: string; name: string; input: unknown; subagent: boolean; result?: { content: string; is_error: boolean; truncated: boolean } }
  | { kind: 'result'; key: string; item: ResultItem }
  | { kind: 'init'; key: string; item: InitItem }
  | { kind: 'note'; key: string; text: string; tone: 'status' | 'stderr' };

/**
 * A run's events as a reader wants them: `text_delta`s accumulate into one growing text block until the block's
 * final `text` replaces them; each tool call carries its result; consecutive stderr lines are one block.
 */
export function buildBlocks(events: readonly OutputEvent[]): Block[] {
  const blocks: Block[] = [];
  const tools = new Map<string, Extract<Block, { kind: 'tool' }>>();
  let open: Extract<Block, { kind: 'text' }> | null = null; // the text block deltas are growing
  const closeOpen = () => {
    if (open) open.streaming = false;
    open = null;
  };

  for (const { seq, item } of events) {
    const key = `e${seq}`;
    switch (item.kind) {
      case 'text_delta':
        if (open) open.text += item.text;
        else {
          open = { kind: 'text', key, text: item.text, streaming: true, subagent: false };
          blocks.push(open);
        }
        break;
      case 'text': {
        const subagent = !!item.parent_tool_use_id;
        if (open && !subagent) {
          open.text = item.text;
          closeOpen();
        } else blocks.push({ kind: 'text', key, text: item.text, streaming: false, subagent });
        break;
      }
      case 'thinking':
        blocks.push({ kind: 'thinking', key, text: item.text });
        break;
      case 'tool_use': {
        closeOpen();
        const block = { kind: 'tool' as const, key, id: item.id, name: item.name, input: item.input, subagent: !!item.parent_tool_use_id };
        tools.set(item.id, block);
        blocks.push(block);
        break;
      }
      case 'tool_result': {
        const result = { content: item.content, is_error: item.is_error, truncated: !!item.truncated };
        const tool = tools.get(item.tool_use_id);
        if (tool) tool.result = result;
        else blocks.push({ kind: 'tool', key, id: item.tool_use_id, name: '(earlier tool call)', input: undefined, subagent: false, result });
        break;
      }
      case 'result':
        closeOpen();
        blocks.push({ kind: 'result', key, item });
        break;
      case 'init':
        blocks.push({ kind: 'init', key, item });
        break;
      case 'status':
        blocks.push({ kind: 'note', key, text: item.message, tone: 'status' });
        break;
      case 'stderr': {
        const last = blocks.at(-1);
        if (last?.kind === 'note' && last.tone === 'stderr') last.text += `\n${item.text}`;
        else blocks.push({ kind: 'note', key, text: item.text, tone: 'stderr' });
        break;
      }
    }
  }
  return blocks;
}

/** What a tool call is about, in one line: the command, the file or the pattern. */
export function toolSummary(name: string, input: unknown): string {
  if (input && typeof input === 'object') {
    const o = input as Record<string, unknown>;
    for (const k of ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt', 'skill']) {
      if (typeof o[k] === 'string' && o[k]) return String(o[k]).split('\n')[0]!.slice(0, 120);
    }
    const s = JSON.stringify(input);
    return s === '{}' ? '' : s.slice(0, 120);
  }
  return input === undefined ? '' : String(input).slice(0, 120);
}

export const FOLD_CHARS = 600;
export const FOLD_LINES = 12;

/** Long inputs and results start folded. */
export function isLong(text: string): boolean {
  if (text.length > FOLD_CHARS) return true;
  let lines = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10 && ++lines > FOLD_LINES) return true;
  return false;
}

/** A tool's input as lines of `key: value` when it is a flat object (most are), JSON otherwise. */
export function formatInput(input: unknown): string {
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const entries = Object.entries(input as Record<string, unknown>);
    if (entries.every(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) {
      return entries.map(([k, v]) => `${k}: ${String(v)}`).join('\n');
    }
  }
  try {
    return JSON.stringify(input, null, 2) ?? String(input);
  } catch {
    return String(input);
  }
}

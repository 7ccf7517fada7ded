import type { ResultItem, StreamItem } from '../contracts/stream-item.js';

// Tool output can be huge (a `cat` of a big file); the event keeps the head, the run itself is unaffected.
const MAX_TOOL_RESULT_CHARS = 20_000;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const names = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : isObject(x) ? (str(x.name) ?? '') : '')).filter(Boolean) : [];

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((block) => (isObject(block) && block.type === 'text' ? (str(block.text) ?? '') : isObject(block) ? `[${String(block.type)}]` : ''))
      .join('\n');
  }
  return content === undefined || content === null ? '' : JSON.stringify(content);
}

/**
 * Claude Code stream-json message → the items a reader sees. Dispatches on `type`/`subtype` and ignores what it
 * does not know: the CLI adds message types over time.
 */
export function toItems(message: unknown): StreamItem[] {
  if (!isObject(message)) return [];
  switch (message.type) {
    case 'stream_event': {
      // --include-partial-messages: only text deltas matter to a reader; the rest repeats what whole messages say.
      const event = isObject(message.event) ? message.event : {};
      const delta = isObject(event.delta) ? event.delta : {};
      if (message.parent_tool_use_id) return [];
      return event.type === 'content_block_delta' && delta.type === 'text_delta' && str(delta.text) ? [{ kind: 'text_delta', text: str(delta.text)! }] : [];
    }
    case 'system':
      if (message.subtype === 'api_retry') {
        const delay = Math.round(num(message.retry_delay_ms) / 100) / 10;
        return [{ kind: 'status', message: `Anthropic API ${apiTrouble(message)}; retrying (attempt ${num(message.attempt)} of ${num(message.max_retries)}) in ${delay} s.` }];
      }
      if (message.subtype !== 'init') return [];
      return [
        {
          kind: 'init',
          session_id: str(message.session_id) ?? '',
          model: str(message.model),
          cwd: str(message.cwd),
          tools: names(message.tools),
          agents: names(message.agents),
          skills: names(message.skills),
          mcp_servers: names(message.mcp_servers),
          permission_mode: str(message.permissionMode),
        },
      ];
    case 'assistant': {
      const content = isObject(message.message) && Array.isArray(message.message.content) ? message.message.content : [];
      const parent = str(message.parent_tool_use_id) ?? null;
      const items: StreamItem[] = [];
      for (const block of content) {
        if (!isObject(block)) continue;
        if (block.type === 'text' && str(block.text)) items.push({ kind: 'text', text: str(block.text)!, parent_tool_use_id: parent });
        else if (block.type === 'thinking' && str(block.thinking)) items.push({ kind: 'thinking', text: str(block.thinking)! });
        else if (block.type === 'tool_use') {
          items.push({ kind: 'tool_use', id: str(block.id) ?? '', name: str(block.name) ?? 'unknown', input: block.input ?? {}, parent_tool_use_id: parent });
        }
      }
      return items;
    }
    case 'user': {
      const content = isObject(message.message) ? message.message.content : undefined;
      if (!Array.isArray(content)) return [];
      const items: StreamItem[] = [];
      for (const block of content) {
        if (!isObject(block) || block.type !== 'tool_result') continue;
        const text = toolResultText(block.content);
        const truncated = text.length > MAX_TOOL_RESULT_CHARS;
        items.push({
          kind: 'tool_result',
          tool_use_id: str(block.tool_use_id) ?? '',
          content: truncated ? `${text.slice(0, MAX_TOOL_RESULT_CHARS)}\n… (${text.length - MAX_TOOL_RESULT_CHARS} more characters)` : text,
          is_error: block.is_error === true,
          ...(truncated ? { truncated } : {}),
        });
      }
      return items;
    }
    case 'result':
      return [toResultItem(message)];
    default:
      return [];
  }
}

/** What an api_retry says went wrong, in words: 529 overloaded, 429 rate limited, else the status and error name. */
function apiTrouble(message: Json): string {
  const status = message.error_status;
  const error = str(message.error);
  if (status === 529 || error === 'overloaded') return `overloaded (${String(status ?? 529)})`;
  if (status === 429 || error === 'rate_limit') return `rate limit reached (${String(status ?? 429)})`;
  if (status === undefined || status === null) return `failed (${error ?? 'error'})`;
  return `answered ${String(status)}${error ? ` (${error})` : ''}`;
}

function toResultItem(message: Json): ResultItem {
  const usage = isObject(message.usage) ? message.usage : {};
  // modelUsage covers subagents too; the result's own usage is the main loop only (PROTOCOLS.md §6.4).
  const perModel = isObject(message.modelUsage) ? Object.values(message.modelUsage).filter(isObject) : [];
  const sum = (key: string) => perModel.reduce((total, m) => total + num(m[key]), 0);
  const fromModels = perModel.length > 0;
  return {
    kind: 'result',
    subtype: str(message.subtype) ?? 'unknown',
    is_error: message.is_error === true || (str(message.subtype) ?? 'success') !== 'success',
    result: str(message.result),
    errors: Array.isArray(message.errors) ? message.errors.map(String) : undefined,
    total_cost_usd: num(message.total_cost_usd),
    num_turns: num(message.num_turns),
    duration_ms: num(message.duration_ms),
    session_id: str(message.session_id),
    usage: {
      input_tokens: fromModels ? sum('inputTokens') : num(usage.input_tokens),
      output_tokens: fromModels ? sum('outputTokens') : num(usage.output_tokens),
      cache_read_input_tokens: fromModels ? sum('cacheReadInputTokens') : num(usage.cache_read_input_tokens),
      cache_creation_input_tokens: fromModels ? sum('cacheCreationInputTokens') : num(usage.cache_creation_input_tokens),
    },
    permission_denials: Array.isArray(message.permission_denials) ? message.permission_denials : undefined,
  };
}

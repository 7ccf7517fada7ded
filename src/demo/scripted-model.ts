/**
 * Scripted Anthropic Messages API server for tests.
 *
 * The real Claude Code CLI talks to it through `ANTHROPIC_BASE_URL=<url>` (with `ANTHROPIC_API_KEY=<anything>` and
 * `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1`). What the "model" answers is chosen by a directive in the latest user
 * prompt of the conversation, `[[script:NAME args…]]`; the position inside the script is derived from the messages
 * array (how many assistant tool_use turns happened since that prompt), so the server keeps no per-run state except
 * the failure counters of `error STATUS N` and `drop N`.
 *
 * Scripts (see docs/claude-cli-notes.md for how the CLI reacts to them):
 *   (none)             `Scripted demo model: I received your message "…". No real model is connected.`
 *   text [words…]      replies the words (default `Hello from the scripted model.`)
 *   tool               Write `<cwd>/hello.txt` ("hello from the scripted model"), then `Wrote hello.txt.` (or
 *                      `Could not write hello.txt: <tool_result>` if the CLI refused: under -p the default permission
 *                      mode denies Write, run with `--permission-mode acceptEdits` or `--allowedTools Write`)
 *   bash CMD…          Bash CMD, then `Bash output:\n<tool_result without system-reminders>` (a standalone
 *                      `sleep N` is refused by the CLI; use e.g. `echo start; sleep 300`)
 *   slow MS [words…]   text streamed as ~10 deltas spread over MS ms
 *   steps N MS         N turns of Bash `echo step i` (each sent after MS ms), then `Done after N steps.`
 *   loop               Bash `echo again` on every turn, forever
 *   spend              like loop, each response reports 200000 input / 20000 output tokens
 *   error STATUS [N]   HTTP STATUS with an Anthropic error body; with N only the first N requests of the conversation
 *                      fail, later ones answer `Recovered after N failed requests.`
 *   long KB            a text reply of about KB kilobytes in many deltas
 *   drop [N]           the API dies mid-stream: the response starts (message_start, part of the text) and the
 *                      connection is then cut; with N only the first N requests of the conversation are cut, later
 *                      ones answer `Recovered after N dropped streams.` (the soak's "API crash")
 *   read PATH…         one Read call per PATH (in one turn), then `Read results:` and, per path, `== PATH` followed
 *                      by the tool result (`(error) …` when the CLI reported one). Paths must not contain spaces.
 *   mcp TOOL JSON      calls the tool named TOOL (e.g. `mcp__service__create_webhook`) with the JSON object as its
 *                      input, then answers `Tool result:\n<tool_result>` (or `Tool error:\n…` when the call failed).
 *                      The JSON must not contain `]]` (write `] ]`). A tool the CLI defers behind ToolSearch (MCP
 *                      tools are) is first loaded with ToolSearch `select:TOOL`, as a real model would.
 *   write, review      change files with the Write tool (scripted-edits.ts)
 *
 * Side requests (count_tokens, `max_tokens` ≤ 1024 such as the CLI's cache-warm / validation probes, or tool-less
 * requests that are not the agent loop, e.g. title generation) get a short text answer and never advance a script.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { editScript } from './scripted-edits.js';

/** One recorded POST to `/v1/messages` or `/v1/messages/count_tokens` (HEAD/GET `/` and 404s are not recorded). */
export interface RecordedRequest {
  at: number;
  /** URL path without the query string, e.g. `/v1/messages` (the CLI sends `/v1/messages?beta=true`). */
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body (undefined for bodiless requests, the raw string if it is not JSON). */
  body: any;
  /** `x-claude-code-session-id` header. */
  sessionId?: string;
  /** Script name chosen for this request (`default` when the prompt has no directive); undefined for side requests. */
  script?: string;
  /** All system prompt text joined with "\n". */
  systemText: string;
  /** Names of the tools offered in the request. */
  toolNames: string[];
}

export interface ScriptedModel {
  url: string;
  requests: RecordedRequest[];
  /** `/v1/messages` requests currently open. */
  inFlight: number;
  /** High-water mark of inFlight since start/reset. */
  maxConcurrent: number;
  /** Clears `requests` and `maxConcurrent`. */
  reset(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Request analysis

type Block = { type: string; [k: string]: any };
type Message = { role: string; content: string | Block[] };

const DIRECTIVE = /\[\[script:([\s\S]*?)\]\]/g;
const REMINDER = /<system-reminder>[\s\S]*?<\/system-reminder>/g;

function blocksOf(m: Message | undefined): Block[] {
  if (!m) return [];
  if (typeof m.content === 'string') return [{ type: 'text', text: m.content }];
  return Array.isArray(m.content) ? m.content : [];
}

function textsOf(m: Message | undefined): string[] {
  return blocksOf(m)
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string);
}

/** Text of a message without `<system-reminder>` blocks. */
function visibleText(m: Message | undefined): string {
  return textsOf(m)
    .map((t) => t.replace(REMINDER, ''))
    .join('\n')
    .trim();
}

/** Index of the latest user message carrying real prompt text (not only tool_result blocks / reminders). */
function latestPromptIndex(messages: Message[]): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== 'user') continue;
    // A tool turn is never a new prompt, even with text beside its results (after ToolSearch the CLI adds
    // "Tool loaded.").
    const toolTurn = blocksOf(m).some((b) => b.type === 'tool_result');
    if (visibleText(m) !== '' && !toolTurn) return i;
    // A prompt made only of reminder text still counts if it carries a directive.
    if (textsOf(m).some((t) => t.includes('[[script:'))) return i;
  }
  return -1;
}

function findDirective(m: Message | undefined): { name: string; args: string[]; rest: string } | undefined {
  let last: string | undefined;
  for (const t of textsOf(m)) {
    for (const match of t.matchAll(DIRECTIVE)) last = match[1];
  }
  if (last === undefined) return undefined;
  const trimmed = last.trim();
  const name = trimmed.split(/\s+/)[0] ?? '';
  const rest = trimmed.slice(name.length).trim();
  return { name: name.toLowerCase(), args: rest === '' ? [] : rest.split(/\s+/), rest };
}

function systemTextOf(body: any): string {
  const s = body?.system;
  if (typeof s === 'string') return s;
  if (Array.isArray(s)) return s.map((b: any) => (typeof b?.text === 'string' ? b.text : '')).join('\n');
  return '';
}

function toolNamesOf(body: any): string[] {
  return Array.isArray(body?.tools) ? body.tools.map((t: any) => String(t?.name ?? '')) : [];
}

/**
 * The working directory as the CLI states it: a `<system-reminder>` in the first user message
 * (`Primary working directory: /path`) in 2.1.330; after `--resume` from another directory a later
 * `# Environment update` reminder says `Primary working directory: /new (was /old)`, so the last mention wins.
 */
function findCwd(body: any, systemText: string): string | undefined {
  const haystacks = [systemText];
  for (const m of (body?.messages ?? []) as Message[]) haystacks.push(...textsOf(m));
  const patterns = [
    /(?:Primary )?[Ww]orking directory:[ \t]*([^\n]+)/g,
    /<cwd>\s*([^<\n]+?)\s*<\/cwd>/g,
  ];
  for (const p of patterns) {
    let found: string | undefined;
    for (const h of haystacks) {
      for (const m of h.matchAll(p)) if (m[1]) found = m[1];
    }
    if (found !== undefined) return found.replace(/\s+\(was [^)]*\)\s*$/, '').trim();
  }
  return undefined;
}

/** Text of a tool_result without the `<system-reminder>` blocks the CLI appends to it. */
function toolResultText(block: Block): string {
  const c = block.content;
  let t = '';
  if (typeof c === 'string') t = c;
  else if (Array.isArray(c)) t = c.map((x: any) => (typeof x?.text === 'string' ? x.text : '')).join('');
  return t.replace(REMINDER, '').trim();
}

function approxTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

const MAIN_LOOP_MARKERS = /Claude Agent SDK|Claude Code|You are an agent|You are a Claude agent/;

function isSideRequest(path: string, body: any, systemText: string): boolean {
  if (path !== '/v1/messages') return true;
  if (typeof body?.max_tokens === 'number' && body.max_tokens <= 1024) return true;
  if (toolNamesOf(body).length === 0 && !MAIN_LOOP_MARKERS.test(systemText)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Replies

type OutBlock = { type: 'text'; text: string } | { type: 'tool_use'; name: string; input: Record<string, unknown> };

interface Reply {
  blocks: OutBlock[];
  stopReason: 'end_turn' | 'tool_use';
  /** Explicit usage; default ≈ chars/4 of the prompt + tool results (input) and of the output. */
  usage?: { input_tokens: number; output_tokens: number };
  /** Wait before sending anything. */
  delayMs?: number;
  /** Spread the text deltas over this many ms (with `chunks` deltas). */
  streamOverMs?: number;
  chunks?: number;
  /** Delta size for text when streamOverMs is not given. */
  chunkSize?: number;
  /** Cut the connection after the first text delta (an API that dies mid-stream). */
  dropMidStream?: boolean;
}

interface ErrorReply {
  status: number;
  type: string;
  message: string;
}

function errorTypeFor(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function num(s: string | undefined, dflt: number): number {
  const n = Number(s);
  return s !== undefined && Number.isFinite(n) ? n : dflt;
}

function text(t: string): Reply {
  return { blocks: [{ type: 'text', text: t }], stopReason: 'end_turn' };
}

function bash(command: string, description: string): Reply {
  return { blocks: [{ type: 'tool_use', name: 'Bash', input: { command, description } }], stopReason: 'tool_use' };
}

function longText(kb: number): string {
  const target = Math.max(1, Math.round(kb * 1024));
  const lines: string[] = [];
  let len = 0;
  for (let i = 1; len < target; i++) {
    const line = `Line ${String(i).padStart(5, '0')}: the scripted model is writing a long reply.\n`;
    lines.push(line);
    len += line.length;
  }
  return lines.join('').slice(0, target);
}

// ---------------------------------------------------------------------------------------------------------------
// Server

export function startScriptedModel(opts: { port?: number; host?: string } = {}): Promise<ScriptedModel> {
  const host = opts.host ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];
  /** Requests seen per conversation key, for `error STATUS N` and `drop N`. */
  const errorCounters = new Map<string, number>();
  /** Counts this request for its conversation key; true while it is one of the first `n` (the failing ones). */
  function failing(key: string, n: number): { fails: boolean; count: number } {
    const count = (errorCounters.get(key) ?? 0) + 1;
    errorCounters.set(key, count);
    return { fails: count <= n, count };
  }
  let inFlight = 0;
  let maxConcurrent = 0;
  let seq = 0;
  const sockets = new Set<import('node:net').Socket>();

  function chooseReply(
    body: any,
    rec: RecordedRequest,
  ): { reply: Reply } | { error: ErrorReply } {
    const messages: Message[] = Array.isArray(body?.messages) ? body.messages : [];
    const pIdx = latestPromptIndex(messages);
    const prompt = messages[pIdx];
    const directive = findDirective(prompt);
    const after = pIdx >= 0 ? messages.slice(pIdx + 1) : [];
    const turn = after.filter((m) => m.role === 'assistant' && blocksOf(m).some((b) => b.type === 'tool_use')).length;
    const last = messages[messages.length - 1];
    const lastResults = last?.role === 'user' ? blocksOf(last).filter((b) => b.type === 'tool_result') : [];
    rec.script = directive?.name ?? 'default';

    if (!directive) {
      const said = visibleText(prompt).slice(0, 200);
      return {
        reply: text(`Scripted demo model: I received your message "${said}". No real model is connected.`),
      };
    }
    const a = directive.args;
    switch (directive.name) {
      case 'text':
        return { reply: text(a.length ? a.join(' ') : 'Hello from the scripted model.') };
      case 'tool': {
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
      }
      case 'bash': {
        if (turn === 0) return { reply: bash(directive.rest || 'echo hello', 'Run the scripted command') };
        return { reply: text(`Bash output:\n${lastResults.map(toolResultText).join('\n')}`) };
      }
      case 'slow': {
        const ms = num(a[0], 1000);
        const words = a.slice(1);
        return {
          reply: {
            ...text(words.length ? words.join(' ') : 'This reply was streamed slowly by the scripted model.'),
            streamOverMs: ms,
            chunks: 10,
          },
        };
      }
      case 'steps': {
        const n = Math.max(0, Math.floor(num(a[0], 3)));
        const ms = num(a[1], 0);
        if (turn < n) return { reply: { ...bash(`echo step ${turn + 1}`, `Step ${turn + 1}`), delayMs: ms } };
        return { reply: text(`Done after ${n} steps.`) };
      }
      case 'loop':
        return { reply: bash('echo again', 'Print again') };
      case 'spend':
        return { reply: { ...bash('echo again', 'Print again'), usage: { input_tokens: 200_000, output_tokens: 20_000 } } };
      case 'error': {
        const status = Math.floor(num(a[0], 500));
        const failFirst = a[1] === undefined ? Infinity : Math.floor(num(a[1], Infinity));
        const { fails, count } = failing(`${directive.name}|${rec.sessionId ?? ''}|${pIdx}|${visibleText(prompt)}`, failFirst);
        if (fails) {
          return {
            error: {
              status,
              type: errorTypeFor(status),
              message: `Scripted ${status} error (request ${count}${Number.isFinite(failFirst) ? ` of ${failFirst} failing` : ''})`,
            },
          };
        }
        return { reply: text(`Recovered after ${failFirst} failed requests.`) };
      }
      case 'drop': {
        const failFirst = a[0] === undefined ? Infinity : Math.floor(num(a[0], Infinity));
        const { fails } = failing(`${directive.name}|${rec.sessionId ?? ''}|${pIdx}|${visibleText(prompt)}`, failFirst);
        if (fails) return { reply: { ...text('This stream is cut before it ends.'), chunkSize: 8, dropMidStream: true } };
        return { reply: text(`Recovered after ${failFirst} dropped streams.`) };
      }
      case 'mcp': {
        const tool = a[0] ?? '';
        const raw = directive.rest.slice(tool.length).trim() || '{}';
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
      }
      case 'read': {
        if (turn === 0) {
          if (!a.length) return { reply: text('Scripted model: the read script needs at least one path.') };
          return {
            reply: { blocks: a.map((p) => ({ type: 'tool_use' as const, name: 'Read', input: { file_path: p } })), stopReason: 'tool_use' },
          };
        }
        // Results come back by tool_use id, which is the index of the path in the call turn.
        const byIndex = new Map(lastResults.map((b) => [Number(String(b.tool_use_id).split('_').pop()), b]));
        const lines = a.map((p, i) => {
          const r = byIndex.get(i);
          return `== ${p}\n${r ? `${r.is_error === true ? '(error) ' : ''}${toolResultText(r)}` : '(no result)'}`;
        });
        return { reply: text(`Read results:\n${lines.join('\n')}`) };
      }
      case 'long': {
        const kb = num(a[0], 16);
        return { reply: { ...text(longText(kb)), chunkSize: 256 } };
      }
      default: {
        const refused = lastResults.find((b) => b.is_error === true);
        const edit = editScript(directive.name, a, turn, refused && toolResultText(refused), findCwd(body, rec.systemText));
        return { reply: edit ?? text(`Scripted model: unknown script "${directive.name}".`) };
      }
    }
  }

  function sideReply(body: any): Reply {
    const sys = systemTextOf(body);
    if (/title/i.test(sys)) return text('Scripted session');
    return text('OK');
  }

  function defaultUsage(body: any, reply: Reply): { input_tokens: number; output_tokens: number } {
    if (reply.usage) return reply.usage;
    const messages: Message[] = Array.isArray(body?.messages) ? body.messages : [];
    const pIdx = latestPromptIndex(messages);
    let inChars = visibleText(messages[pIdx]).length;
    for (const m of messages.slice(pIdx + 1)) {
      for (const b of blocksOf(m)) {
        if (b.type === 'tool_result') inChars += toolResultText(b).length;
        else if (b.type === 'text' && typeof b.text === 'string') inChars += b.text.replace(REMINDER, '').length;
      }
    }
    let outChars = 0;
    for (const b of reply.blocks) outChars += b.type === 'text' ? b.text.length : JSON.stringify(b.input).length;
    return { input_tokens: approxTokens(inChars), output_tokens: approxTokens(outChars) };
  }

  async function sendReply(req: http.IncomingMessage, res: http.ServerResponse, body: any, reply: Reply): Promise<void> {
    const closed = () => res.destroyed || res.writableEnded;
    if (reply.delayMs) await sleep(reply.delayMs);
    if (closed()) return;
    const n = ++seq;
    const msgId = `msg_scripted_${String(n).padStart(6, '0')}`;
    const model = typeof body?.model === 'string' ? body.model : 'claude-sonnet-4-5';
    const usage = defaultUsage(body, reply);
    const content = reply.blocks.map((b, i) =>
      b.type === 'text'
        ? { type: 'text', text: b.text }
        : { type: 'tool_use', id: `toolu_scripted_${String(n).padStart(6, '0')}_${i}`, name: b.name, input: b.input },
    );
    const reqId = `req_scripted_${String(n).padStart(6, '0')}`;

    if (body?.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': reqId });
      res.end(
        JSON.stringify({
          id: msgId,
          type: 'message',
          role: 'assistant',
          model,
          content,
          stop_reason: reply.stopReason,
          stop_sequence: null,
          usage: { ...usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        }),
      );
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'request-id': reqId,
    });
    const send = (type: string, data: Record<string, unknown>) => {
      if (!closed()) res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    };
    send('message_start', {
      message: {
        id: msgId,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.input_tokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    });
    send('ping', {});
    for (let i = 0; i < content.length; i++) {
      const b = content[i]!;
      if (b.type === 'text') {
        const t = (b as { text: string }).text;
        send('content_block_start', { index: i, content_block: { type: 'text', text: '' } });
        let pieces: string[];
        if (reply.streamOverMs !== undefined) {
          const k = Math.max(1, reply.chunks ?? 10);
          const size = Math.max(1, Math.ceil(t.length / k));
          pieces = [];
          for (let p = 0; p < t.length; p += size) pieces.push(t.slice(p, p + size));
        } else {
          const size = reply.chunkSize ?? 64;
          pieces = [];
          for (let p = 0; p < t.length; p += size) pieces.push(t.slice(p, p + size));
        }
        if (pieces.length === 0) pieces = [''];
        const gap = reply.streamOverMs !== undefined ? reply.streamOverMs / pieces.length : 0;
        for (const piece of pieces) {
          if (gap > 0) await sleep(gap);
          if (closed()) return;
          send('content_block_delta', { index: i, delta: { type: 'text_delta', text: piece } });
          if (reply.dropMidStream) {
            res.socket?.destroy();
            return;
          }
        }
      } else {
        const tu = b as { id: string; name: string; input: unknown };
        send('content_block_start', { index: i, content_block: { type: 'tool_use', id: tu.id, name: tu.name, input: {} } });
        const json = JSON.stringify(tu.input);
        const third = Math.max(1, Math.ceil(json.length / 3));
        for (let p = 0; p < json.length; p += third) {
          send('content_block_delta', { index: i, delta: { type: 'input_json_delta', partial_json: json.slice(p, p + third) } });
        }
      }
      send('content_block_stop', { index: i });
    }
    send('message_delta', {
      delta: { stop_reason: reply.stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    });
    send('message_stop', {});
    if (!closed()) res.end();
  }

  function sendError(res: http.ServerResponse, e: ErrorReply): void {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'request-id': `req_scripted_err_${++seq}`,
      'retry-after': '0',
      'retry-after-ms': '0',
    };
    if (e.status === 429 || e.status >= 500) headers['x-should-retry'] = 'true';
    res.writeHead(e.status, headers);
    res.end(JSON.stringify({ type: 'error', error: { type: e.type, message: e.message } }));
  }

  function json(res: http.ServerResponse, status: number, value: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';

    if (path === '/' && (method === 'HEAD' || method === 'GET')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(method === 'HEAD' ? undefined : JSON.stringify({ ok: true, server: 'scripted-model' }));
      return;
    }
    const isMessages = path === '/v1/messages' || path === '/v1/messages/count_tokens';
    if (!isMessages || method !== 'POST') {
      json(res, 404, { type: 'error', error: { type: 'not_found_error', message: `Not found: ${method} ${url.pathname}` } });
      return;
    }

    let body: any;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      body = raw.toString('utf8');
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const systemText = systemTextOf(body);
    const rec: RecordedRequest = {
      at: Date.now(),
      path,
      headers,
      body,
      systemText,
      toolNames: toolNamesOf(body),
    };
    if (headers['x-claude-code-session-id']) rec.sessionId = headers['x-claude-code-session-id'];
    requests.push(rec);

    if (typeof body !== 'object' || body === null) {
      json(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'Body must be JSON' } });
      return;
    }
    if (path === '/v1/messages/count_tokens') {
      json(res, 200, { input_tokens: approxTokens(JSON.stringify(body.messages ?? []).length) });
      return;
    }

    if (isSideRequest(path, body, systemText)) {
      await sendReply(req, res, body, sideReply(body));
      return;
    }
    const choice = chooseReply(body, rec);
    if ('error' in choice) sendError(res, choice.error);
    else await sendReply(req, res, body, choice.reply);
  }

  const server = http.createServer((req, res) => {
    res.on('error', () => {
      /* client went away mid-stream */
    });
    const isMessages = (req.url ?? '').split('?')[0]?.replace(/\/+$/, '') === '/v1/messages';
    if (isMessages) {
      inFlight++;
      if (inFlight > maxConcurrent) maxConcurrent = inFlight;
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          inFlight--;
        }
      };
      res.on('close', finish);
      res.on('finish', finish);
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {});
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      try {
        const enc = String(req.headers['content-encoding'] ?? '').toLowerCase();
        if (enc === 'gzip') raw = zlib.gunzipSync(raw);
        else if (enc === 'deflate') raw = zlib.inflateSync(raw);
        else if (enc === 'br') raw = zlib.brotliDecompressSync(raw);
        else if (enc === 'zstd' && typeof (zlib as any).zstdDecompressSync === 'function') raw = (zlib as any).zstdDecompressSync(raw);
      } catch {
        /* keep raw */
      }
      handle(req, res, raw).catch((err: unknown) => {
        if (!res.headersSent) {
          json(res, 500, { type: 'error', error: { type: 'api_error', message: `scripted model crashed: ${String(err)}` } });
        } else if (!res.writableEnded) res.end();
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const model: ScriptedModel = {
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
        requests,
        get inFlight() {
          return inFlight;
        },
        get maxConcurrent() {
          return maxConcurrent;
        },
        reset() {
          requests.length = 0;
          maxConcurrent = inFlight;
        },
        close() {
          return new Promise<void>((res) => {
            server.close(() => res());
            for (const s of sockets) s.destroy();
          });
        },
      };
      resolve(model);
    });
  });
}

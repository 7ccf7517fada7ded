import type http from 'node:http';
import { approxTokens, blocksOf, latestPromptIndex, REMINDER, systemTextOf, toolResultText, visibleText } from './request.js';
import { sleep, text } from './replies.js';
import type { ErrorReply, Message, Reply } from './types.js';

// Writing a reply as the Messages API does: one JSON body, or server-sent events with text and tool-input deltas.

export function sideReply(body: any): Reply {
  const sys = systemTextOf(body);
  if (/title/i.test(sys)) return text('Scripted session');
  return text('OK');
}

export function defaultUsage(body: any, reply: Reply): { input_tokens: number; output_tokens: number } {
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

/** The reply and error writers of one server: ids (`msg_scripted_000001`, …) count up across both. */
export function replyWriter() {
  let seq = 0;

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
        // Spread over streamOverMs: `chunks` deltas; else deltas of chunkSize characters.
        const size =
          reply.streamOverMs !== undefined ? Math.max(1, Math.ceil(t.length / Math.max(1, reply.chunks ?? 10))) : (reply.chunkSize ?? 64);
        let pieces: string[] = [];
        for (let p = 0; p < t.length; p += size) pieces.push(t.slice(p, p + size));
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

  return { sendReply, sendError };
}

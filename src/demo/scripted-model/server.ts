import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';
import { chooseReply, type FailureCounters } from './choose.js';
import { approxTokens, isSideRequest, systemTextOf, toolNamesOf } from './request.js';
import { replyWriter, sideReply } from './stream.js';
import type { RecordedRequest, Script, ScriptedModel } from './types.js';

/** The HTTP side of the scripted model: records each Messages API request and answers it with `scripts`. */
export function startScriptedModelServer(
  scripts: Readonly<Record<string, Script>>,
  opts: { port?: number; host?: string } = {},
): Promise<ScriptedModel> {
  const host = opts.host ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];
  const counters: FailureCounters = new Map();
  const { sendReply, sendError } = replyWriter();
  let inFlight = 0;
  let maxConcurrent = 0;
  const sockets = new Set<Socket>();

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
    const choice = chooseReply(scripts, counters, body, rec);
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


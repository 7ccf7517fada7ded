// The common machinery of the fake provider APIs (test/support/fakes/*.ts): an HTTP server on 127.0.0.1 with a
// random port that routes requests, records every one, and can be told to fail the next N. Credentials are never
// stored in `calls`: the Authorization header is recorded as "<scheme> [redacted]", and `sawCredential()` answers
// whether a given secret was sent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: any;
  /** The status the fake answered with. */
  status: number;
}

export interface FakeProvider {
  url: string;
  calls: RecordedCall[];
  /**
   * The next `n` requests, whatever their route, get `status` (with `headers`, e.g. Retry-After, and `json` instead of
   * the provider's usual error body); 0 clears.
   */
  failNext(n: number, status: number, headers?: Record<string, string>, json?: unknown): void;
  /** Requests whose client hung up before a (delayed) answer was sent. */
  abandoned: RecordedCall[];
  /** Whether any request carried this credential (a bearer/token value, or the user or password of Basic auth). */
  sawCredential(secret: string): boolean;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
  /** Answer this much later (a provider that is slow to answer). */
  delayMs?: number;
  /** Answer only once this resolves (a provider held until the test lets it go). */
  after?: Promise<void>;
}

export interface Req {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: any;
  /** Raw Authorization value; kept out of RecordedCall. */
  authorization: string | undefined;
  /** Raw PRIVATE-TOKEN value (GitLab's token header); kept out of RecordedCall too. */
  privateToken: string | undefined;
}

export interface Route {
  method: string;
  pattern: RegExp;
  handle(req: Req, params: Record<string, string>): Reply;
}

export interface FakeDefinition {
  routes: Route[];
  /** Stripped from the path before routing (GitHub Enterprise Server serves the REST API under /api/v3). */
  pathPrefix?: string;
  notFound(req: Req): Reply;
  failure(status: number): Omit<Reply, 'status' | 'headers'>;
}

export async function startFake(definition: FakeDefinition): Promise<FakeProvider> {
  const calls: RecordedCall[] = [];
  const credentials: string[] = [];
  const failures: { status: number; headers: Record<string, string>; json?: unknown }[] = [];
  const abandoned: RecordedCall[] = [];

  const server = createServer((req, res) => {
    readBody(req).then(
      (raw) => {
        const request = parseRequest(req, raw);
        if (request.authorization) credentials.push(...credentialForms(request.authorization));
        if (request.privateToken) credentials.push(request.privateToken);
        const failure = failures.shift();
        let reply: Reply;
        if (failure) {
          const body = failure.json === undefined ? definition.failure(failure.status) : { json: failure.json };
          reply = { status: failure.status, headers: failure.headers, ...body };
        } else {
          try {
            reply = route(definition, request);
          } catch (error) {
            // A bug in a fake route should fail the test loudly, not hang it.
            reply = { status: 500, json: { message: `fake ${request.method} ${request.path} threw: ${String(error)}` } };
          }
        }
        const call = {
          method: request.method,
          path: request.path,
          query: request.query,
          headers: request.headers,
          body: request.body,
          status: reply.status,
        };
        calls.push(call);
        if (reply.delayMs || reply.after) {
          res.on('close', () => {
            if (!res.writableEnded) abandoned.push(call);
          });
          void (reply.after ?? Promise.resolve()).then(() => setTimeout(() => send(res, reply), reply.delayMs ?? 0).unref());
        } else send(res, reply);
      },
      () => send(res, { status: 400, text: 'unreadable body' }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    abandoned,
    failNext(n, status, headers = {}, json) {
      if (n === 0) failures.length = 0;
      for (let i = 0; i < n; i++) failures.push({ status, headers, json });
    },
    sawCredential(secret) {
      return credentials.includes(secret);
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function route(definition: FakeDefinition, req: Req): Reply {
  const prefix = definition.pathPrefix;
  const path = prefix && req.path.startsWith(`${prefix}/`) ? req.path.slice(prefix.length) : req.path;
  for (const r of definition.routes) {
    if (r.method !== req.method) continue;
    const match = r.pattern.exec(path);
    if (match) return r.handle(req, { ...match.groups });
  }
  return definition.notFound(req);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseRequest(req: IncomingMessage, raw: string): Req {
  const url = new URL(req.url ?? '/', 'http://fake');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const authorization = headers.authorization;
  if (authorization) headers.authorization = `${authorization.split(' ')[0]} [redacted]`;
  const privateToken = headers['private-token'];
  if (privateToken) headers['private-token'] = '[redacted]';
  const contentType = headers['content-type'] ?? '';
  let body: any = raw;
  if (raw && contentType.includes('json')) {
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
  } else if (contentType.includes('application/x-www-form-urlencoded')) {
    body = Object.fromEntries(new URLSearchParams(raw));
  } else if (raw === '') {
    body = undefined;
  }
  // A token sent in the body (Slack allows it) is a credential too: keep it out of the record.
  if (body && typeof body === 'object' && typeof body.token === 'string') {
    body = { ...body, token: '[redacted]' };
  }
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
    authorization,
    privateToken,
  };
}

function credentialForms(authorization: string): string[] {
  const [scheme = '', value = ''] = authorization.split(/\s+/, 2);
  if (scheme.toLowerCase() !== 'basic') return [value];
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return [value, decoded, decoded.slice(0, colon), decoded.slice(colon + 1)];
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload = '';
  if (reply.json !== undefined) {
    payload = JSON.stringify(reply.json);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  } else if (reply.text !== undefined) {
    payload = reply.text;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export const json = (status: number, body: unknown): Reply => ({ status, json: body });

// Local stand-ins for the GitHub, Slack, Jira and Sentry APIs (GitLab's is in fake-gitlab.ts), on 127.0.0.1 with a random port. They answer the
// routes our clients use closely enough for the official client libraries, record every request, and can be told
// to fail the next N requests. Credentials are never stored in `calls`: the Authorization header is recorded as
// "<scheme> [redacted]", and `sawCredential()` answers whether a given secret was sent.
import { execFileSync } from 'node:child_process';
import { createVerify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

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

// ---------------------------------------------------------------------------------------------------------------
// GitHub
// ---------------------------------------------------------------------------------------------------------------

export interface FakeGithubOptions {
  /** login → role: admin | maintain | write | triage | read | none | a custom role name. Others get 404. */
  permissions?: Record<string, string>;
  /** When set, installation-token requests must carry an RS256 JWT signed by the matching private key. */
  appPublicKey?: string;
  /**
   * The git server's root (`<root>/<owner>/<repo>.git`, test/support/git-http-server.ts): a pull request opened here
   * gets its `refs/pull/<n>/head` there, and its files are the diff of that ref against its base branch.
   */
  gitRoot?: string;
}

export interface FakeGithub extends FakeProvider {
  setPermission(login: string, permission: string): void;
  /** The collaborator-permission endpoint answers this many milliseconds late (0: at once). */
  slowPermissions(ms: number): void;
  /** The collaborator-permission endpoint answers nothing until `open()` is called (then everything held, at once). */
  holdPermissions(): { open(): void };
  /** A person reacts to an issue comment (GitHub sends no webhook for this; the service polls). */
  react(commentId: number, login: string, content: string): void;
}

/** Installation tokens the fake issues: ghs_fake_<installationId>_<n>, n counting from 1 across installations. */
export function fakeInstallationToken(installationId: number | string, n: number): string {
  return `ghs_fake_${installationId}_${n}`;
}

const LEGACY_PERMISSION: Record<string, string> = { admin: 'admin', maintain: 'write', write: 'write', triage: 'read', read: 'read' };

/**
 * REST routes the GitHub client uses, at the root (api.github.com style) or under /api/v3 (Enterprise Server style).
 * Issue comments exist only once created here (PATCH of an unknown id → 404); review comments are taken on trust.
 */
export function startFakeGithub(opts: FakeGithubOptions = {}): Promise<FakeGithub> {
  const permissions = new Map(Object.entries(opts.permissions ?? {}));
  const issueComments = new Map<number, { owner: string; repo: string; body: string; issue: string }>();
  const reactions = new Set<string>();
  /** Reactions people left on issue comments (by comment id), as the reactions list endpoint returns them. */
  const userReactions = new Map<number, Array<{ id: number; content: string; user: { login: string; id: number; type: string } }>>();
  const labels = new Map<string, string[]>();
  const pulls = new Map<string, { base: string }>();
  let nextPull = 100;
  let nextId = 1001;
  let tokensIssued = 0;
  let permissionDelayMs = 0;
  let permissionGate: Promise<void> | undefined;
  const now = () => new Date().toISOString();
  const user = (login: string) => ({ login, id: 1, type: login.endsWith('[bot]') ? 'Bot' : 'User' });
  const notFound = () => json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });

  const reaction = (kind: string) => (req: Req, p: Record<string, string>) => {
    const key = `${p.owner}/${p.repo}/${kind}/${p.id}/${String(req.body?.content)}`;
    const existed = reactions.has(key);
    reactions.add(key);
    return json(existed ? 200 : 201, { id: nextId++, content: req.body?.content, user: user('claude-agent[bot]'), created_at: now() });
  };

  const comment = (o: { id: number; owner: string; repo: string; body: string; url: string }) => ({
    id: o.id,
    node_id: `IC_${o.id}`,
    body: o.body,
    html_url: o.url,
    user: user('claude-agent[bot]'),
    created_at: now(),
    updated_at: now(),
  });

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/app\/installations\/(?<id>\d+)\/access_tokens$/,
      handle(req, p) {
        const problem = checkAppJwt(req.authorization, opts.appPublicKey);
        if (problem) return json(401, { message: problem, documentation_url: 'https://docs.github.com/rest' });
        tokensIssued += 1;
        return json(201, {
          token: fakeInstallationToken(p.id!, tokensIssued),
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
          permissions: { issues: 'write', pull_requests: 'write', metadata: 'read' },
          repository_selection: 'all',
        });
      },
    },
    {
      // Every repository belongs to installation 7 here.
      method: 'GET',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/installation$/,
      handle(req, p) {
        const problem = checkAppJwt(req.authorization, opts.appPublicKey);
        if (problem) return json(401, { message: problem, documentation_url: 'https://docs.github.com/rest' });
        return json(200, { id: 7, account: { login: p.owner, type: 'Organization' }, repository_selection: 'all' });
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/comments\/(?<id>\d+)\/reactions$/,
      handle: reaction('issue_comment'),
    },
    {
      method: 'GET',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/comments\/(?<id>\d+)\/reactions$/,
      handle(_req, p) {
        return json(200, userReactions.get(Number(p.id)) ?? []);
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls\/comments\/(?<id>\d+)\/reactions$/,
      handle: reaction('review_comment'),
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/(?<id>\d+)\/reactions$/,
      handle: reaction('issue'),
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/(?<issue>\d+)\/comments$/,
      handle(req, p) {
        if (typeof req.body?.body !== 'string') return json(422, { message: 'Validation Failed' });
        const id = nextId++;
        issueComments.set(id, { owner: p.owner!, repo: p.repo!, body: req.body.body, issue: p.issue! });
        const url = `https://github.com/${p.owner}/${p.repo}/issues/${p.issue}#issuecomment-${id}`;
        return json(201, comment({ id, owner: p.owner!, repo: p.repo!, body: req.body.body, url }));
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/comments\/(?<id>\d+)$/,
      handle(req, p) {
        const id = Number(p.id);
        const existing = issueComments.get(id);
        if (!existing || existing.owner !== p.owner || existing.repo !== p.repo) return notFound();
        existing.body = String(req.body?.body);
        const url = `https://github.com/${p.owner}/${p.repo}/issues/${existing.issue}#issuecomment-${id}`;
        return json(200, comment({ id, owner: p.owner!, repo: p.repo!, body: existing.body, url }));
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls\/(?<pull>\d+)\/comments\/(?<id>\d+)\/replies$/,
      handle(req, p) {
        if (typeof req.body?.body !== 'string') return json(422, { message: 'Validation Failed' });
        const id = nextId++;
        const url = `https://github.com/${p.owner}/${p.repo}/pull/${p.pull}#discussion_r${id}`;
        return json(201, { ...comment({ id, owner: p.owner!, repo: p.repo!, body: req.body.body, url }), in_reply_to_id: Number(p.id) });
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls\/comments\/(?<id>\d+)$/,
      handle(req, p) {
        const id = Number(p.id);
        const url = `https://github.com/${p.owner}/${p.repo}/pull/1#discussion_r${id}`;
        return json(200, comment({ id, owner: p.owner!, repo: p.repo!, body: String(req.body?.body), url }));
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/(?<issue>\d+)\/labels$/,
      handle(req, p) {
        const key = `${p.owner}/${p.repo}#${p.issue}`;
        const added: unknown[] = Array.isArray(req.body?.labels) ? req.body.labels : [];
        const all = [...new Set([...(labels.get(key) ?? []), ...added.map(String)])];
        labels.set(key, all);
        return json(200, all.map((name, i) => ({ id: i + 1, name, color: 'ededed', default: false })));
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls$/,
      handle(req, p) {
        const { head, base, title } = req.body ?? {};
        if (typeof head !== 'string' || typeof base !== 'string' || typeof title !== 'string') return json(422, { message: 'Validation Failed' });
        const number = nextPull++;
        if (opts.gitRoot && gitRef(opts.gitRoot, p, `refs/heads/${head}`) === undefined) {
          return json(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] });
        }
        if (opts.gitRoot) git(opts.gitRoot, p, ['update-ref', `refs/pull/${number}/head`, `refs/heads/${head}`]);
        pulls.set(`${p.owner}/${p.repo}#${number}`, { base });
        const url = `https://github.com/${p.owner}/${p.repo}/pull/${number}`;
        return json(201, { id: nextId++, number, html_url: url, state: 'open', draft: req.body.draft === true, head: { ref: head }, base: { ref: base } });
      },
    },
    {
      method: 'GET',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls\/(?<pull>\d+)$/,
      handle(_req, p) {
        // With a git root: the head is refs/pull/<n>/head, on the branch there that points at it; a head no branch
        // points at comes from a fork (its branch lives in the fork's repository, as on GitHub).
        const sha = opts.gitRoot && gitRef(opts.gitRoot, p, `refs/pull/${p.pull}/head`);
        if (!sha) return notFound();
        const branch = git(opts.gitRoot!, p, ['for-each-ref', '--points-at', sha, '--format=%(refname:short)', 'refs/heads/'])?.split('\n')[0];
        const repo = branch ? `${p.owner}/${p.repo}` : `fork-of-${p.owner}/${p.repo}`;
        const base = pulls.get(`${p.owner}/${p.repo}#${p.pull}`)?.base ?? 'main';
        return json(200, { number: Number(p.pull), state: 'open', head: { ref: branch || 'patch-1', sha, repo: { full_name: repo } }, base: { ref: base } });
      },
    },
    {
      method: 'GET',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls\/(?<pull>\d+)\/files$/,
      handle(_req, p) {
        if (!opts.gitRoot) return json(200, []);
        const base = pulls.get(`${p.owner}/${p.repo}#${p.pull}`)?.base ?? 'main';
        const range = `refs/heads/${base}...refs/pull/${p.pull}/head`;
        const names = (git(opts.gitRoot, p, ['diff', '--name-only', range]) ?? '').split('\n').filter(Boolean);
        return json(
          200,
          names.map((filename) => {
            const full = git(opts.gitRoot!, p, ['diff', '--no-color', range, '--', filename]) ?? '';
            return { filename, status: 'modified', patch: full.slice(full.indexOf('@@')) };
          }),
        );
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls\/(?<pull>\d+)\/reviews$/,
      handle(req, p) {
        if (typeof req.body?.body !== 'string') return json(422, { message: 'Validation Failed' });
        const id = nextId++;
        return json(200, { id, state: 'COMMENTED', body: req.body.body, html_url: `https://github.com/${p.owner}/${p.repo}/pull/${p.pull}#pullrequestreview-${id}` });
      },
    },
    {
      method: 'GET',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/collaborators\/(?<login>[^/]+)\/permission$/,
      handle(_req, p) {
        const login = decodeURIComponent(p.login!);
        const role = permissions.get(login);
        if (role === undefined) return notFound();
        // As GitHub does: `permission` is the legacy base level, `role_name` the actual (possibly custom) role.
        const permission = LEGACY_PERMISSION[role] ?? (role === 'none' ? 'none' : 'read');
        return { ...json(200, { permission, role_name: role, user: user(login) }), delayMs: permissionDelayMs, after: permissionGate };
      },
    },
  ];

  return startFake({
    routes,
    pathPrefix: '/api/v3',
    notFound,
    failure: (status) => ({ json: { message: status === 429 ? 'API rate limit exceeded' : 'Server Error' } }),
  }).then((fake) => ({
    ...fake,
    setPermission(login: string, permission: string) {
      permissions.set(login, permission);
    },
    slowPermissions(ms: number) {
      permissionDelayMs = ms;
    },
    holdPermissions() {
      let open!: () => void;
      permissionGate = new Promise<void>((resolve) => (open = resolve));
      return {
        open() {
          permissionGate = undefined;
          open();
        },
      };
    },
    react(commentId: number, login: string, content: string) {
      const list = userReactions.get(commentId) ?? [];
      list.push({ id: nextId++, content, user: user(login) });
      userReactions.set(commentId, list);
    },
  }));
}

/** git in the fake's repository of owner/repo; its output, or undefined when git fails. */
/** git in `<root>/<p.owner>/<p.repo>.git`; undefined when it fails. */
export function git(root: string, p: Record<string, string>, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: path.join(root, p.owner!, `${p.repo}.git`), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

export function gitRef(root: string, p: Record<string, string>, ref: string): string | undefined {
  return git(root, p, ['rev-parse', '--verify', '--quiet', ref])?.trim();
}

/** Returns why the App JWT is unacceptable, or undefined. Mirrors GitHub's checks loosely. */
function checkAppJwt(authorization: string | undefined, publicKey: string | undefined): string | undefined {
  const [scheme = '', jwt = ''] = (authorization ?? '').split(/\s+/, 2);
  if (scheme.toLowerCase() !== 'bearer') return 'A JSON web token could not be decoded';
  const [header, payload, signature] = jwt.split('.');
  if (!header || !payload || !signature) return 'A JSON web token could not be decoded';
  let claims: { iss?: unknown; exp?: unknown; iat?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return 'A JSON web token could not be decoded';
  }
  if (claims.iss === undefined) return "'Issuer' claim ('iss') must be an Integer";
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return "'Expiration time' claim ('exp') is in the past";
  if (publicKey) {
    const valid = createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicKey, Buffer.from(signature, 'base64url'));
    if (!valid) return 'A JSON web token could not be decoded';
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Slack
// ---------------------------------------------------------------------------------------------------------------

/**
 * Web API methods under /api/<method> (point WebClient's slackApiUrl at `${url}/api/`), and slash-command
 * response URLs under POST /respond/<id>. Platform errors are HTTP 200 with {ok:false,error}, as Slack does.
 */
export function startFakeSlack(): Promise<FakeProvider> {
  const reactions = new Set<string>();
  let messages = 0;
  const ok = (body: Record<string, unknown> = {}) => json(200, { ok: true, ...body });
  const error = (code: string) => json(200, { ok: false, error: code });
  const authed = (req: Req) => Boolean(req.authorization) || (req.body && typeof req.body === 'object' && 'token' in req.body);

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/api\/reactions\.add$/,
      handle(req) {
        if (!authed(req)) return error('not_authed');
        const { channel, timestamp, name } = req.body ?? {};
        if (!channel || !timestamp || !name) return error('invalid_arguments');
        const key = `${channel}/${timestamp}/${name}`;
        if (reactions.has(key)) return error('already_reacted');
        reactions.add(key);
        return ok();
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/chat\.postMessage$/,
      handle(req) {
        if (!authed(req)) return error('not_authed');
        const { channel, text, blocks, thread_ts } = req.body ?? {};
        if (!channel) return error('channel_not_found');
        if (!text && !blocks) return error('no_text');
        messages += 1;
        const ts = `${1_700_000_000 + messages}.000100`;
        return ok({ channel, ts, message: { type: 'message', text, ts, ...(thread_ts ? { thread_ts } : {}) } });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/chat\.update$/,
      handle(req) {
        if (!authed(req)) return error('not_authed');
        const { channel, ts, text } = req.body ?? {};
        if (!channel || !ts) return error('message_not_found');
        return ok({ channel, ts, text });
      },
    },
    { method: 'POST', pattern: /^\/respond\/[^/]+$/, handle: () => ({ status: 200, text: 'ok' }) },
    { method: 'POST', pattern: /^\/api\/[\w.]+$/, handle: () => ok() },
  ];

  return startFake({
    routes,
    notFound: () => ({ status: 404, text: 'Not Found' }),
    failure: (status) => (status === 429 ? { json: { ok: false, error: 'ratelimited' } } : { text: 'upstream failure' }),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Jira Cloud (REST v3)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Comment create/update, issue create, and the JQL search by label (`labels = "x"`, the only query it understands).
 * Bodies must be ADF documents, as on v3; a plain string gets Jira's 400.
 */
export interface FakeJira extends FakeProvider {
  /** The next `n` issue creates are made but answered 500, as when Jira fails after the write or the answer is lost. */
  loseCreates(n: number): void;
}

export function startFakeJira(): Promise<FakeJira> {
  const comments = new Map<string, { issue: string; body: unknown }>();
  const issues: { id: string; key: string; labels: string[] }[] = [];
  let lost = 0;
  const issueCounts = new Map<string, number>();
  let nextId = 10_000;
  const errors = (status: number, errorMessages: string[], fieldErrors: Record<string, string> = {}) =>
    json(status, { errorMessages, errors: fieldErrors });
  const isAdf = (b: unknown) =>
    Boolean(b) && typeof b === 'object' && (b as { type?: unknown }).type === 'doc' && (b as { version?: unknown }).version === 1 &&
    Array.isArray((b as { content?: unknown }).content);
  const basic = (req: Req) => (req.authorization ?? '').toLowerCase().startsWith('basic ');
  const view = (id: string, issue: string, body: unknown, url: string) => ({
    self: `${url}/rest/api/3/issue/${issue}/comment/${id}`,
    id,
    author: { accountId: '5b10a2844c20165700ede21g', displayName: 'Claude Code Agent', active: true },
    body,
    created: new Date().toISOString(),
    updated: new Date().toISOString(),
    jsdPublic: true,
  });
  let baseUrl = '';

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/rest\/api\/3\/issue\/(?<issue>[^/]+)\/comment$/,
      handle(req, p) {
        if (!basic(req)) return errors(401, ['You are not authenticated. Authentication required to perform this operation.']);
        if (!isAdf(req.body?.body)) return errors(400, [], { comment: 'Comment body is not valid!' });
        const id = String(nextId++);
        comments.set(id, { issue: p.issue!, body: req.body.body });
        return json(201, view(id, p.issue!, req.body.body, baseUrl));
      },
    },
    {
      method: 'PUT',
      pattern: /^\/rest\/api\/3\/issue\/(?<issue>[^/]+)\/comment\/(?<id>[^/]+)$/,
      handle(req, p) {
        if (!basic(req)) return errors(401, ['You are not authenticated. Authentication required to perform this operation.']);
        const existing = comments.get(p.id!);
        if (!existing || existing.issue !== p.issue) return errors(404, [`Can not find a comment for the id: ${p.id}.`]);
        if (!isAdf(req.body?.body)) return errors(400, [], { comment: 'Comment body is not valid!' });
        existing.body = req.body.body;
        return json(200, view(p.id!, p.issue!, req.body.body, baseUrl));
      },
    },
    {
      // Create issue: project key, issue type and summary required, description ADF; keys numbered per project.
      method: 'POST',
      pattern: /^\/rest\/api\/3\/issue$/,
      handle(req) {
        if (!basic(req)) return errors(401, ['You are not authenticated. Authentication required to perform this operation.']);
        const f = req.body?.fields ?? {};
        const problems: Record<string, string> = {};
        if (typeof f.project?.key !== 'string') problems.project = 'Specify a valid project ID or key';
        if (typeof f.issuetype?.name !== 'string') problems.issuetype = 'Specify an issue type';
        if (typeof f.summary !== 'string' || !f.summary.trim() || f.summary.length > 255) problems.summary = 'You must specify a summary of the issue.';
        if (f.description !== undefined && !isAdf(f.description)) problems.description = 'Operation value must be an Atlassian Document.';
        if (Object.keys(problems).length) return errors(400, [], problems);
        const n = (issueCounts.get(f.project.key) ?? 0) + 1;
        issueCounts.set(f.project.key, n);
        const id = String(nextId++);
        issues.push({ id, key: `${f.project.key}-${n}`, labels: Array.isArray(f.labels) ? f.labels : [] });
        if (lost > 0 && lost--) return errors(500, ['Internal server error']);
        return json(201, { id, key: `${f.project.key}-${n}`, self: `${baseUrl}/rest/api/3/issue/${id}` });
      },
    },
    {
      method: 'GET',
      pattern: /^\/rest\/api\/3\/search\/jql$/,
      handle(req) {
        if (!basic(req)) return errors(401, ['You are not authenticated. Authentication required to perform this operation.']);
        const label = /^labels = "([^"]+)"$/.exec(req.query.jql ?? '')?.[1];
        if (!label) return errors(400, ['The fake Jira understands only: labels = "<label>"']);
        const found = issues.filter((i) => i.labels.includes(label)).map(({ id, key }) => ({ id, key, self: `${baseUrl}/rest/api/3/issue/${id}`, fields: {} }));
        return json(200, { issues: found, isLast: true });
      },
    },
  ];

  return startFake({
    routes,
    notFound: () => errors(404, ['Not found']),
    failure: (status) => ({ json: { errorMessages: [status === 429 ? 'Rate limit exceeded.' : 'Internal server error'], errors: {} } }),
  }).then((fake) => {
    baseUrl = fake.url;
    return Object.assign(fake, { loseCreates: (n: number) => void (lost = n) });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Sentry
// ---------------------------------------------------------------------------------------------------------------

/**
 * Issue comments (notes), both URL forms: created, and edited by id (PUT, as Sentry's GroupNotesDetailsEndpoint; an
 * unknown note or one on another issue → 404). Like Sentry, repeats the same text on an issue → 400.
 */
export function startFakeSentry(): Promise<FakeProvider> {
  const posted = new Set<string>();
  const notes = new Map<string, { issue: string; text: string }>();
  let nextId = 5000;
  const bearer = (req: Req) => (req.authorization ?? '').toLowerCase().startsWith('bearer ');
  const unauthenticated = () => json(401, { detail: 'Authentication credentials were not provided.' });
  const note = (id: string, text: string) => ({
    id,
    user: { id: '1', name: 'claude-code-agent', username: 'claude-code-agent' },
    type: 'note',
    data: { text },
    dateCreated: new Date().toISOString(),
  });
  const routes: Route[] = [
    {
      method: 'PUT',
      pattern: /^\/api\/0\/(?:organizations\/(?<org>[^/]+)\/)?issues\/(?<issue>\d+)\/comments\/(?<id>\d+)\/$/,
      handle(req, p) {
        if (!bearer(req)) return unauthenticated();
        const existing = notes.get(p.id!);
        if (!existing || existing.issue !== p.issue) return json(404, { detail: 'The requested resource does not exist' });
        const text = req.body?.text;
        if (typeof text !== 'string' || text === '') return json(400, { text: ['This field is required.'] });
        existing.text = text;
        return json(200, note(p.id!, text));
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/0\/(?:organizations\/(?<org>[^/]+)\/)?issues\/(?<issue>\d+)\/comments\/$/,
      handle(req, p) {
        if (!bearer(req)) return unauthenticated();
        const text = req.body?.text;
        if (typeof text !== 'string' || text === '') return json(400, { text: ['This field is required.'] });
        const key = `${p.issue}\n${text}`;
        if (posted.has(key)) return json(400, { detail: 'You have already posted that comment.' });
        posted.add(key);
        const id = String(nextId++);
        notes.set(id, { issue: p.issue!, text });
        return json(201, note(id, text));
      },
    },
  ];
  return startFake({
    routes,
    notFound: () => json(404, { detail: 'The requested resource does not exist' }),
    failure: (status) => ({
      json: { detail: status === 429 ? 'You are attempting to use this endpoint too frequently.' : 'Internal Error' },
    }),
  });
}

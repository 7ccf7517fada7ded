// A git smart-HTTP server (git's own http-backend run as CGI) that demands a token the way GitHub takes it:
// `Authorization: Basic base64(x-access-token:<token>)` (GitLab: `oauth2:<token>`, see `user`). Enough to prove which
// credential a clone or push sent.
import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface GitHttpServer {
  url: string;
  /** Which tokens open the repository (none until this is called). */
  accept(check: (token: string) => boolean): void;
  /** The tokens accepted so far, without repeats. */
  tokens(): string[];
  close(): Promise<void>;
}

/** `anonymous`: a public repository, served without a credential. `user`: the Basic user name (x-access-token). */
export async function startGitHttpServer(root: string, opts: { anonymous?: boolean; user?: string } = {}): Promise<GitHttpServer> {
  const expectedUser = opts.user ?? 'x-access-token';
  const backend = path.join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend');
  let accepts: (token: string) => boolean = () => false;
  const accepted = new Set<string>();
  const server = http.createServer((req, res) => {
    const [scheme = '', encoded = ''] = (req.headers.authorization ?? '').split(' ', 2);
    const [user, token = ''] = Buffer.from(encoded, 'base64').toString('utf8').split(':', 2);
    if (!opts.anonymous && (scheme !== 'Basic' || user !== expectedUser || !accepts(token))) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"' }).end();
      return;
    }
    accepted.add(token);
    const url = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn(backend, [], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: expectedUser,
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    const out: Buffer[] = [];
    cgi.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    cgi.on('close', () => {
      const all = Buffer.concat(out);
      const split = all.indexOf('\r\n\r\n');
      const head = all.subarray(0, split).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(head.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const status = Number(String(headers.status ?? '200').split(' ')[0]);
      delete headers.status;
      res.writeHead(status, headers).end(all.subarray(split + 4));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accept: (check) => (accepts = check),
    tokens: () => [...accepted],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

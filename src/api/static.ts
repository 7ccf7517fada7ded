import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { projectRoot } from '../paths.js';

/** Paths that belong to the service; an unknown one is a JSON 404, never the dashboard's index.html. */
const SERVICE_PREFIXES = ['/api', '/ws', '/webhooks', '/health', '/metrics', '/mcp'];

export const DEFAULT_WEB_DIST = path.join(projectRoot, 'web', 'dist');

/**
 * Whether a URL names a service path in any spelling a lenient server or proxy might accept: percent-decoded until
 * stable, backslashes as slashes, `;params` dropped, dot segments resolved, slashes merged, case folded. Such a path
 * that reached the dashboard's catch-all missed its real route, so it gets a 404, never index.html.
 */
export function isServicePath(url: string): boolean {
  let p = url.split(/[?#]/, 1)[0]!;
  for (let i = 0; i < 5; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(p);
    } catch {
      break;
    }
    if (decoded === p) break;
    p = decoded.split(/[?#]/, 1)[0]!;
  }
  p = path.posix.normalize(`/${p.replace(/\\/g, '/').replace(/;[^/]*/g, '')}`).replace(/\/+/g, '/').toLowerCase();
  return SERVICE_PREFIXES.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
}

/**
 * The dashboard: files from `web/dist` (built by `npm run build` and on install), and index.html for any other GET
 * that is not a service route, so client-side routes survive a reload. Hashed assets are cached for good; index.html
 * never is, so a new build is picked up at once. Without a build, a short page says how to make one.
 */
export async function staticRoutes(app: FastifyInstance, opts: { root?: string; demo: boolean }): Promise<void> {
  const root = opts.root ?? DEFAULT_WEB_DIST;
  const built = fs.existsSync(path.join(root, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root,
      serve: false,
      // send's own Cache-Control would replace the one set here
      cacheControl: false,
      setHeaders: (res, filePath) => {
        const hashed = filePath.startsWith(path.join(root, 'assets') + path.sep);
        res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }

  const serve = (req: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
    if (isServicePath(req.url)) return reply.callNotFound();
    if (!built) return reply.type('text/html').send(notBuiltPage(opts.demo));
    const wanted = (req.params['*'] ?? '').replace(/^\/+/, '');
    const file = path.resolve(root, wanted);
    if (wanted && file.startsWith(root + path.sep) && isFile(file)) return reply.sendFile(wanted);
    // A missing script or stylesheet (an old hashed name after a rebuild) is a 404, not the HTML page.
    if (/\.[a-z0-9]{1,8}$/i.test(wanted)) return reply.callNotFound();
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  };
  // @fastify/websocket would accept a handshake on any route and close it at once; say plainly there is no socket here.
  const noUpgrade = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.headers.upgrade) return reply.code(404).send({ error: 'no WebSocket here; live events are at /ws/{session_id}' });
  };
  type Route = { Params: { '*'?: string } };
  app.get<Route>('/', { onRequest: noUpgrade }, serve);
  app.get<Route>('/*', { onRequest: noUpgrade }, serve);
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function notBuiltPage(demo: boolean): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Claude Code Agent</title></head>
<body style="font-family: system-ui; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
${demo ? '<p style="background:#fcd34d;padding:.5rem"><strong>DEMO:</strong> runs use a scripted model, not Claude.</p>' : ''}
<h1>Claude Code Agent</h1>
<p>The service is running, but the dashboard has not been built: run <code>npm run build</code> (or <code>npm run build:web</code>)
and restart. The API works without it: <code>POST /api/chat</code>, <code>GET /api/tasks</code>, WebSocket <code>/ws/{session_id}</code>,
<a href="/health">/health</a>, <a href="/metrics">/metrics</a>.</p>
</body></html>`;
}

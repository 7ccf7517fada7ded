import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function presentedToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  // Browsers cannot set headers on a WebSocket handshake, so /ws also accepts ?token=.
  if (req.url.startsWith('/ws/')) {
    const token = new URL(req.url, 'http://x').searchParams.get('token');
    if (token) return token;
  }
  return undefined;
}

/** With API_TOKEN set, /api/* and /ws/* need it. Webhooks are signed instead and never use it. */
export function registerAuth(app: FastifyInstance, apiToken: string | undefined): void {
  if (!apiToken) return;
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/') && !req.url.startsWith('/ws/')) return;
    const token = presentedToken(req);
    if (token && sameSecret(token, apiToken)) return;
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .send({ error: token ? 'the API token is not valid' : 'this API needs Authorization: Bearer <API_TOKEN>' });
  });
}

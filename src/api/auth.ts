import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function presentedToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  const bearer = header && /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1]!.trim();
  // Browsers cannot set headers on a WebSocket handshake, so the WebSocket route (the matched one, not whatever the
  // raw URL starts with) also accepts ?token=. Nowhere else: URLs end up in logs and histories.
  if (req.routeOptions.url?.startsWith('/ws/')) {
    const token = (req.query as Record<string, unknown> | undefined)?.token;
    if (typeof token === 'string' && token) return token;
  }
  return undefined;
}

/**
 * The API token check, an onRequest hook for the scope that owns /api, /ws and /metrics (src/api/access.ts). It runs
 * on the route the router matched, so `/%61pi/…` and every other spelling of a path meet it too.
 */
export function tokenGuard(apiToken: string) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const token = presentedToken(req);
    if (token && sameSecret(token, apiToken)) return;
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .send({ error: token ? 'the API token is not valid' : 'this API needs Authorization: Bearer <API_TOKEN>' });
  };
}

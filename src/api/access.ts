// Who may reach what. Every rule is an onRequest hook of an encapsulated scope, so it runs for exactly the routes that
// scope owns, decided on the route the router matched — never by testing the raw URL, which `/%61pi/…`, `//api/…`
// and friends spell differently from what the router decodes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { hostAllowed, hostRule, sameOrigin } from './access-rules.js';
import { tokenGuard } from './auth.js';
import { limitApi, limitWebhooks, type RateLimitStore } from './rate-limits.js';

export interface Access {
  /** For the scope owning /api, /ws and (unless METRICS_PUBLIC) /metrics: rate limit, Host, Origin, API token. */
  guardApi(scope: FastifyInstance): Promise<void>;
  /** For the dashboard's files: the Host check only (they are public, but a rebinding page must not load them). */
  guardDashboard(scope: FastifyInstance): void;
  /** For /webhooks: the per-provider rate limit only. Providers come through proxies with any Host and no Origin. */
  guardWebhooks(scope: FastifyInstance): Promise<void>;
}

export function createAccess(config: Config, store: RateLimitStore): Access {
  const hostCheck = hostGuard(config);
  return {
    async guardApi(scope) {
      await limitApi(scope, config, store);
      scope.addHook('onRequest', hostCheck);
      scope.addHook('onRequest', originGuard(config));
      if (config.API_TOKEN) scope.addHook('onRequest', tokenGuard(config.API_TOKEN));
    },
    guardDashboard(scope) {
      scope.addHook('onRequest', hostCheck);
    },
    guardWebhooks: (scope) => limitWebhooks(scope, config, store),
  };
}

function hostGuard(config: Config) {
  const rule = hostRule(config);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!rule.enforced) return;
    // Both the Host the browser sent and the one a trusted proxy forwarded: a page may set X-Forwarded-Host itself.
    for (const host of new Set([req.headers.host, req.host])) {
      if (hostAllowed(rule, host)) continue;
      return reply.code(421).send({
        error: `Host "${host}" is not a name this service answers to (a guard against DNS rebinding); set PUBLIC_URL or add it to ALLOWED_HOSTS`,
      });
    }
  };
}

/**
 * No cross-origin access: browsers send Origin on every cross-site request that could change something and on every
 * WebSocket handshake, and it must be the service's own (as the Host names it, or PUBLIC_URL). Clients that are not
 * browsers send none and are unaffected; no CORS headers are ever sent, so browsers keep other sites from reading.
 */
function originGuard(config: Config) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    if (sameOrigin(origin, [`${req.protocol}://${req.host}`, config.PUBLIC_URL])) return;
    return reply.code(403).send({
      error: `cross-origin request refused: Origin ${origin} is not this service's own (${req.protocol}://${req.host}${config.PUBLIC_URL ? ` or PUBLIC_URL` : ''})`,
    });
  };
}

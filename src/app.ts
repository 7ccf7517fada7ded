import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import { ZodError } from 'zod';
import { analyticsRoutes } from './api/analytics.js';
import { createAccess } from './api/access.js';
import { trustProxyOption } from './api/access-rules.js';
import { budgetRoutes } from './api/budgets.js';
import { chatRoutes } from './api/chat.js';
import { conversationRoutes } from './api/conversations.js';
import { workspaceRoutes } from './api/workspace.js';
import { dashboardRoutes } from './api/dashboard.js';
import { healthRoutes, metricsRoutes } from './api/health.js';
import { sendDomainError } from './api/http-errors.js';
import { refuseDeepJson } from './api/json-body.js';
import { DebugRequestLog } from './api/request-log.js';
import { frameworkErrors } from './api/framework-errors.js';
import { ledgerRoutes } from './api/ledger.js';
import { rateLimitStore } from './api/rate-limits.js';
import { registryRoutes } from './api/registry.js';
import { securityHeaders } from './api/security-headers.js';
import { taskSessionRoutes } from './api/task-session.js';
import { taskRoutes } from './api/tasks.js';
import { workerRoutes } from './api/workers.js';
import { WebSocketHub } from './live/ws-hub.js';
import { mcpRoutes } from './management/mcp-routes.js';
import type { Services } from './services.js';
import { diskFullMessage, isDiskFull } from './storage/disk-space.js';
import { BadCursorError } from './storage/repositories/cursor.js';
import type { Responder } from './webhooks/responder.js';
import { webhookHttp } from './webhooks/register.js';
import { staticRoutes } from './api/static.js';
import { apiDocsRoutes, openApiDocument } from './api/openapi.js';
import { useContracts, validationFailure } from './api/schemas.js';

export interface App {
  app: FastifyInstance;
  /** Every route as registered (the contract test walks it: each /api route has its schemas and is documented). */
  routes: RouteOptions[];
  hub: WebSocketHub;
  responder: Responder;
}

/**
 * The address a listening app is reached at from this machine (a wildcard address becomes loopback): where the
 * Claude Code children of a process that serves the API reach its management tools when INTERNAL_URL is unset.
 */
export function listeningUrl(app: FastifyInstance): string | undefined {
  const address = app.server.address();
  if (!address || typeof address === 'string') return undefined;
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Builds the HTTP app on top of the services; tests call `app.inject` or listen on port 0. */
export async function buildApp(s: Services): Promise<App> {
  const app = Fastify({
    loggerInstance: s.log as FastifyBaseLogger,
    bodyLimit: 26 * 1024 * 1024, // GitHub sends payloads up to 25 MB
    // Only proxies named by TRUST_PROXY may set the client address and scheme (X-Forwarded-*): otherwise anyone
    // could pick the address rate limits and logs see.
    trustProxy: trustProxyOption(s.config.TRUST_PROXY),
    frameworkErrors,
    logController: new DebugRequestLog(),
  });
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => void routes.push(route));
  refuseDeepJson(app);
  await securityHeaders(app);
  useContracts(app);
  await openApiDocument(app);
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  const limits = await rateLimitStore(s.config, s.log);
  const access = createAccess(s.config, limits);

  // One error handler: what a client got wrong is a 4xx naming the problem; our own faults are a bare 500.
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    const refused = sendDomainError(err, reply);
    if (refused) return refused;
    const invalid = validationFailure(err, req);
    if (invalid) return reply.code(400).send(invalid);
    if (err instanceof BadCursorError) return reply.code(400).send({ error: `invalid query: cursor: ${err.why}`, details: [`cursor: ${err.why}`] });
    if (err instanceof ZodError) return reply.code(400).send({ error: err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ error: err.message });
    if (isDiskFull(err)) {
      req.log.warn({ reason: err.message }, 'DATA_DIR is full: write refused');
      return reply.code(507).send({ error: diskFullMessage(s.config.dataDir) });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'internal error', request_id: req.id });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` }));

  const hub = new WebSocketHub(s.bus);
  healthRoutes(app, s);
  mcpRoutes(app, s); // its own per-task tokens, checked on the route
  const webhooks = webhookHttp(s);
  app.addHook('onReady', async () => webhooks.start());

  // Everything behind API_TOKEN is registered in this one scope: its hooks run on whatever route the router matched,
  // however the path was spelled.
  await app.register(async (api) => {
    await access.guardApi(api);
    hub.register(api);
    chatRoutes(api, s);
    taskRoutes(api, s);
    taskSessionRoutes(api, s);
    conversationRoutes(api, s);
    workspaceRoutes(api, s);
    dashboardRoutes(api, s);
    workerRoutes(api, s);
    analyticsRoutes(api, s);
    ledgerRoutes(api, s);
    budgetRoutes(api, s);
    registryRoutes(api, s);
    webhooks.apiRoutes(api);
    if (!s.config.METRICS_PUBLIC) metricsRoutes(api, s, hub);
  });
  if (s.config.METRICS_PUBLIC) metricsRoutes(app, s, hub);
  await app.register(async (hooks) => {
    await access.guardWebhooks(hooks);
    webhooks.deliveryRoutes(hooks);
  });
  await app.register(async (web) => {
    access.guardDashboard(web);
    await apiDocsRoutes(web);
    await staticRoutes(web, { demo: s.config.DEMO_MODE });
  });
  app.addHook('onClose', async () => {
    hub.close();
    limits.close();
    await webhooks.close();
  });
  return { app, routes, hub, responder: webhooks.responder };
}

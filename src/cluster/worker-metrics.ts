import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { metricsRegistry } from '../api/health.js';
import { DebugRequestLog } from '../api/request-log.js';
import { tokenGuard } from '../api/auth.js';
import type { Services } from '../services.js';

/**
 * A worker process has no API; when WORKER_METRICS_PORT is set it serves GET /metrics (Prometheus text) there, on
 * HOST, behind API_TOKEN as the API's is unless METRICS_PUBLIC=true. Returns the server, listening; undefined when no
 * port is set.
 */
export async function startWorkerMetrics(s: Services): Promise<FastifyInstance | undefined> {
  const port = s.config.WORKER_METRICS_PORT;
  if (port === undefined) return undefined;
  const app = Fastify({ loggerInstance: s.log as FastifyBaseLogger, logController: new DebugRequestLog() });
  const registry = metricsRegistry(s);
  if (s.config.API_TOKEN && !s.config.METRICS_PUBLIC) app.addHook('onRequest', tokenGuard(s.config.API_TOKEN));
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}; a worker serves only /metrics` }));
  await app.listen({ port, host: s.config.HOST });
  return app;
}

import type { FastifyInstance } from 'fastify';

/**
 * One line per request, at debug: under load Fastify's two info lines per request (incoming, completed) cost more
 * than ingesting a webhook does, and say nothing an operator needs day to day. Goes with `disableRequestLogging`.
 * The URL passes the logger's `req` serializer, which redacts a `?token=`.
 */
export function debugRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (req, reply, done) => {
    req.log.debug({ req, statusCode: reply.statusCode, responseTime: Math.round(reply.elapsedTime * 10) / 10 }, 'request completed');
    done();
  });
}

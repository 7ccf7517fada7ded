import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Requests Fastify refuses before routing: a path that is not UTF-8 once percent-decoded (`/api/tasks/%FF`) or with a
 * parameter longer than the router takes. Answered in the service's error shape — and, for a WebSocket upgrade, the
 * socket is closed afterwards: these answers skip the hooks @fastify/websocket closes it in, so each such request
 * used to hold a connection open for good (and made shutdown wait for it).
 */
export function frameworkErrors(error: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  if (req.headers.upgrade) reply.raw.once('finish', () => req.raw.socket.destroy());
  const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
  const why =
    error.code === 'FST_ERR_BAD_URL'
      ? 'the path is not valid: a percent-encoded part of it is not UTF-8'
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? 'a path parameter is too long'
        : error.message;
  void reply.code(status).send({ error: why });
}

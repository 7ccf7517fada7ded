import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/**
 * Per-request lines at debug: under load Fastify's two info lines per request (incoming, completed) cost more than
 * ingesting a webhook does, and say nothing an operator needs day to day. One line per request is kept, at debug,
 * with the method, URL (through the logger's `req` serializer, which redacts a `?token=`), status and time. A request
 * that errored is still logged as an error; Fastify's other lines (stream and serializer errors) are unchanged.
 */
export class DebugRequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    const line = { req, statusCode: reply.statusCode, responseTime: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.debug(line, 'request completed');
  }

  override routeNotFound(): void {} // answered 404 by the app's not-found handler, and logged as completed
}

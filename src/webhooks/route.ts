import type { FastifyInstance } from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type IngestResult, statusOf, type WebhookIngest } from './ingest.js';
import { isProvider, PROVIDER_NAMES } from './providers/index.js';

/**
 * POST /webhooks/{provider}. Signed, never token-authenticated. The body is read raw (in these routes only) because
 * signatures cover the exact bytes.
 */
export function webhookRoutes(app: FastifyInstance, ingest: WebhookIngest): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    scope.post<{ Params: { provider: string } }>('/webhooks/:provider', async (req, reply) => {
      const { provider } = req.params;
      if (!isProvider(provider)) {
        return reply.code(404).send({ error: `unknown provider "${provider}"; webhooks are ${PROVIDER_NAMES.map((p) => `/webhooks/${p}`).join(', ')}` });
      }
      return send(reply, await ingest.receive(provider, lowerHeaders(req), rawBodyOf(req)));
    });

    scope.post<{ Params: { provider: string; webhook_id: string } }>('/webhooks/:provider/:webhook_id', async (req, reply) => {
      return send(reply, await ingest.receiveDynamic(req.params.webhook_id, req.params.provider, lowerHeaders(req), rawBodyOf(req)));
    });
  });
}

function lowerHeaders(req: FastifyRequest): Record<string, string> {
  return Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]));
}

function rawBodyOf(req: FastifyRequest): string {
  return typeof req.body === 'string' ? req.body : '';
}

function send(reply: FastifyReply, result: IngestResult) {
  const status = statusOf(result);
  switch (result.outcome) {
    case 'handshake':
      return reply.code(200).type(result.contentType).send(result.body);
    case 'accepted':
      // waiting_for: 'permission' while the sender's permission is looked up, after this answer (permission-wait.ts).
      return reply
        .code(status)
        .send({ task_id: result.taskId, task_ids: result.taskIds, status: result.waitingApproval ? 'waiting_approval' : 'queued', ...(result.permissionPending ? { waiting_for: 'permission' } : {}) });
    case 'acted':
      return reply.code(status).send({ actions: result.actions });
    case 'duplicate':
      return reply.code(status).send({ duplicate: true, task_id: result.taskId });
    case 'merged':
      return reply.code(status).send({ merged: true, task_id: result.taskId, delivery_count: result.count });
    case 'verification_failed':
    case 'bad_request':
    case 'unavailable':
    case 'not_found':
    case 'failed':
      return reply.code(status).send({ error: result.why });
    case 'ignored':
    case 'refused':
      return reply.code(status).send({ [result.outcome]: result.reason });
    case 'answered':
      return reply.code(status).send({ answered: result.what });
    case 'approved':
    case 'rejected':
      return reply.code(status).send({ [result.outcome]: result.taskId });
  }
}

// What webhooks received: the delivery inspector's lists and bodies, replays and dry runs, for a user's webhook and
// for a built-in route alike. Lookups and refusals come from the WebhookConfigService; the delivery side from ingest.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ERRORS } from '../contracts/common.js';
import { DeliveriesQuery, type Delivery, DeliveryList, DeliveryParams, DryRun, DryRunResult, RawPayload, ReplayAccepted, ReplayOutcome, StaticDeliveryParams, StaticParams, WebhookParams } from '../contracts/webhooks.js';
import { DomainError, notFound } from '../domain/errors.js';
import type { TaskStatus } from '../domain/task-status.js';
import { jsonNestingDepth, MAX_JSON_DEPTH } from '../security/json-depth.js';
import type { Services } from '../services.js';
import type { WebhookEventHead } from '../storage/repositories/webhook-events.js';
import type { WebhookEventRow } from '../storage/schema.js';
import type { WebhookConfigService } from '../webhooks/config-service.js';
import type { IngestResult, WebhookIngest } from '../webhooks/ingest.js';
import { adapterFor, isProvider } from '../webhooks/providers/index.js';
import { typed } from './schemas.js';

/** An inspector page carries at most this much of each payload; GET …/events/{id}/payload has the whole body. */
const PAYLOAD_HEAD_CHARS = 64 * 1024;
/** A replay: 202 with the task it started, 200 with how it ended otherwise, 500 when it failed. */
const REPLAYED = { 202: ReplayAccepted, 200: ReplayOutcome, ...ERRORS };
const E = ERRORS;

const json = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/**
 * A stored payload as the inspector shows it: parsed when it is whole, JSON and shallow; otherwise the text itself
 * (unsigned posts are kept as sent, however deep, and serialising a deep one again would overflow the stack).
 */
function storedPayload(head: string, truncated: boolean): unknown {
  if (truncated || jsonNestingDepth(head, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return head;
  return json(head);
}

/** A dry run may name the event type instead of sending the provider's headers. */
function dryRunHeaders(provider: string, headers: Record<string, string>, eventType?: string): Record<string, string> {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  h['content-type'] ??= 'application/json';
  if (eventType) {
    const named = isProvider(provider) ? adapterFor(provider).dryRunHeaders(eventType) : { 'x-event-type': eventType };
    for (const [k, v] of Object.entries(named)) h[k] ??= v;
  }
  return h;
}

/** A replay's result as the route answers it: refusals are thrown, outcomes sent. */
function replayReply(result: IngestResult, eventId: string, reply: FastifyReply) {
  switch (result.outcome) {
    case 'accepted':
      return reply.code(202).send({ task_id: result.taskId, task_ids: result.taskIds, replay_of: eventId });
    case 'bad_request':
      throw new DomainError('conflict', result.why);
    case 'not_found':
      throw new DomainError('not_found', result.why);
    case 'failed':
      return reply.code(500).send({ error: result.why, replay_of: eventId });
    default:
      return reply.code(200).send({ outcome: result.outcome, ...('reason' in result ? { reason: result.reason } : {}), replay_of: eventId });
  }
}

export function webhookDeliveryRoutes(plain: FastifyInstance, s: Services, ingest: WebhookIngest, configs: WebhookConfigService): void {
  const app = typed(plain);
  const tags = ['webhooks'];
  const builtin = ['webhooks: built-in routes'];

  const views = async (rows: WebhookEventHead[]): Promise<Delivery[]> => {
    const ids = [...new Set(rows.map((r) => r.task_id).filter((t): t is string => !!t))];
    const tasks = new Map((await Promise.all(ids.map((id) => s.repos.tasks.get(id)))).filter((t) => !!t).map((t) => [t!.task_id, t!]));
    return rows.map((r) => ({
      ...r,
      headers: json(r.headers),
      payload: storedPayload(r.payload, r.payload_truncated),
      verified: r.verified === 1,
      explanation: json(r.explanation) as Delivery['explanation'],
      task_status: r.task_id ? ((tasks.get(r.task_id)?.status as TaskStatus | undefined) ?? null) : null,
      task_outcome: r.task_id ? (tasks.get(r.task_id)?.outcome ?? null) : null,
      created_at: new Date(Number(r.created_at)).toISOString(),
    }));
  };
  const list = async (webhookId: string | null, q: { limit: number; before?: number }, provider?: string) => ({
    events: await views(await s.repos.webhookEvents.list({ webhook_id: webhookId, provider, limit: q.limit, before: q.before, payloadChars: PAYLOAD_HEAD_CHARS })),
  });
  /** One delivery's body exactly as stored, as text: never parsed here, however large or deep. */
  const body = async (eventId: string, belongs: (e: Pick<WebhookEventRow, 'webhook_id' | 'provider'>) => boolean, reply: FastifyReply) => {
    const row = await s.repos.webhookEvents.getSummary(eventId);
    if (!row || !belongs(row)) throw notFound(`delivery ${eventId}`);
    return reply.type('text/plain; charset=utf-8').send(await s.repos.webhookEvents.payload(eventId));
  };
  const replay = async (eventId: string, belongs: (e: WebhookEventRow) => boolean, reply: FastifyReply) => {
    const original = await s.repos.webhookEvents.get(eventId);
    if (!original || !belongs(original)) throw notFound(`delivery ${eventId}`);
    return replayReply(await ingest.replay(original), eventId, reply);
  };
  const dryRun = async (webhookId: string | null, provider: string, req: { headers: Record<string, string>; event_type?: string; payload: unknown }) => ({
    dry_run: true as const,
    ...(await ingest.dryRun(webhookId, provider, dryRunHeaders(provider, req.headers, req.event_type), req.payload)),
  });
  const ofWebhook = (id: string) => (e: Pick<WebhookEventRow, 'webhook_id'>) => e.webhook_id === id;
  const ofRoute = (provider: string) => (e: Pick<WebhookEventRow, 'webhook_id' | 'provider'>) => e.webhook_id === null && e.provider === provider;

  // ---- a user's webhook ----
  const events = { tags, summary: "A webhook's deliveries, newest first", params: WebhookParams, querystring: DeliveriesQuery, response: { 200: DeliveryList, ...E } };
  app.get('/api/webhooks/:id/events', { schema: events }, async (req) => list((await configs.config(req.params.id)).webhook_id, req.query));

  const payload = { tags, summary: "A delivery's whole body as received", params: DeliveryParams, response: { 200: RawPayload, ...E } };
  app.get('/api/webhooks/:id/events/:eid/payload', { schema: payload }, async (req, reply) => body(req.params.eid, ofWebhook((await configs.config(req.params.id)).webhook_id), reply));

  const again = { tags, summary: 'Process a delivery again', params: DeliveryParams, response: REPLAYED };
  app.post('/api/webhooks/:id/events/:eid/replay', { schema: again }, async (req, reply) => replay(req.params.eid, ofWebhook((await configs.config(req.params.id)).webhook_id), reply));

  const test = { tags, summary: 'Dry run: what the commands would do with a payload', params: WebhookParams, body: DryRun, response: { 200: DryRunResult, ...E } };
  app.post('/api/webhooks/:id/test', { schema: test }, async (req) => {
    const row = await configs.config(req.params.id);
    return dryRun(row.webhook_id, row.provider, req.body);
  });

  // ---- a built-in route ----
  const staticEvents = { tags: builtin, summary: "A built-in route's deliveries, newest first", params: StaticParams, querystring: DeliveriesQuery, response: { 200: DeliveryList, ...E } };
  app.get('/api/webhooks/static/:provider/events', { schema: staticEvents }, (req) => list(null, req.query, configs.provider(req.params.provider)));

  const staticPayload = { ...payload, tags: builtin, params: StaticDeliveryParams };
  app.get('/api/webhooks/static/:provider/events/:eid/payload', { schema: staticPayload }, (req, reply) => body(req.params.eid, ofRoute(configs.provider(req.params.provider)), reply));

  const staticReplay = { tags: builtin, summary: 'Process a delivery again', params: StaticDeliveryParams, response: REPLAYED };
  app.post('/api/webhooks/static/:provider/events/:eid/replay', { schema: staticReplay }, (req, reply) => replay(req.params.eid, ofRoute(configs.provider(req.params.provider)), reply));

  const staticTest = { tags: builtin, summary: 'Dry run: what the route would do with a payload', params: StaticParams, body: DryRun, response: { 200: DryRunResult, ...E } };
  app.post('/api/webhooks/static/:provider/test', { schema: staticTest }, (req) => dryRun(null, configs.provider(req.params.provider), req.body));
}

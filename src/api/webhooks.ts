import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { ERRORS, NoContent } from '../contracts/common.js';
import { Command, CommandInput, CommandList, CommandPatch, StaticCommand, StaticRoute } from '../contracts/webhook-commands.js';
import {
  CommandParams,
  DeliveriesQuery,
  type Delivery,
  DeliveryList,
  DeliveryParams,
  DryRun,
  DryRunResult,
  RawPayload,
  ReplayAccepted,
  ReplayOutcome,
  StaticCommandParams,
  StaticDeliveryParams,
  StaticParams,
  StaticPatch,
  WebhookConfig,
  WebhookCreate,
  WebhookDetail,
  WebhookList,
  WebhookParams,
  WebhookPatch,
} from '../contracts/webhooks.js';
import type { TaskStatus } from '../domain/task-status.js';
import { jsonNestingDepth, MAX_JSON_DEPTH } from '../security/json-depth.js';
import type { Services } from '../services.js';
import type { WebhookEventHead } from '../storage/repositories/webhook-events.js';
import type { WebhookCommandRow, WebhookConfigRow, WebhookEventRow } from '../storage/schema.js';
import { commandProblems, toUserCommand } from '../webhooks/engine.js';
import { staticId, type WebhookIngest } from '../webhooks/ingest.js';
import { adapterFor, isProvider, PROVIDER_NAMES, type ProviderName } from '../webhooks/providers/index.js';
import { BUILTIN_RULE_SETS } from '../webhooks/rules/builtin-commands.js';
import { HttpError, notFound, parse } from './http-errors.js';
import { typed } from './schemas.js';

const json = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** An inspector page carries at most this much of each payload; GET …/events/{id}/payload has the whole body. */
const PAYLOAD_HEAD_CHARS = 64 * 1024;

/**
 * A stored payload as the inspector shows it: parsed when it is whole, JSON and shallow; otherwise the text itself
 * (unsigned posts are kept as sent, however deep, and serialising a deep one again would overflow the stack).
 */
function storedPayload(head: string, truncated: boolean): unknown {
  if (truncated || jsonNestingDepth(head, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return head;
  return json(head);
}

const tags = ['webhooks'];
/** A replay: 202 with the task it started, 200 with how it ended otherwise, 500 when it failed. */
const REPLAYED = { 202: ReplayAccepted, 200: ReplayOutcome, ...ERRORS };
const builtin = ['webhooks: built-in routes'];
const E = ERRORS;

export function webhookApiRoutes(plain: FastifyInstance, s: Services, ingest: WebhookIngest): void {
  const app = typed(plain);
  const base = () => s.config.PUBLIC_URL?.replace(/\/$/, '') ?? `http://${s.config.HOST}:${s.config.PORT}`;
  const configView = (row: WebhookConfigRow, commands?: number): WebhookConfig => ({
    webhook_id: row.webhook_id,
    name: row.name,
    provider: row.provider as WebhookConfig['provider'],
    enabled: row.enabled === 1,
    endpoint_url: `${base()}/webhooks/${row.provider}/${row.webhook_id}`,
    commands_count: commands,
    created_at: new Date(Number(row.created_at)).toISOString(),
    updated_at: new Date(Number(row.updated_at)).toISOString(),
  });
  const commandView = (row: WebhookCommandRow): Command => {
    const c = toUserCommand(row);
    return { ...c, trigger: row.trigger, created_at: new Date(Number(row.created_at)).toISOString() };
  };
  const eventViews = async (rows: WebhookEventHead[]) => {
    const ids = [...new Set(rows.map((r) => r.task_id).filter((t): t is string => !!t))];
    const tasks = new Map((await Promise.all(ids.map((id) => s.repos.tasks.get(id)))).filter((t) => !!t).map((t) => [t!.task_id, t!]));
    return rows.map((r) => ({
      event_id: r.event_id,
      webhook_id: r.webhook_id,
      provider: r.provider,
      event_type: r.event_type,
      delivery_id: r.delivery_id,
      headers: json(r.headers),
      payload: storedPayload(r.payload, r.payload_truncated),
      payload_truncated: r.payload_truncated,
      payload_size: r.payload_size,
      verified: r.verified === 1,
      verification_error: r.verification_error,
      matched_command: r.matched_command,
      explanation: json(r.explanation) as Delivery['explanation'],
      rendered_prompt: r.rendered_prompt,
      task_id: r.task_id,
      task_status: r.task_id ? ((tasks.get(r.task_id)?.status as TaskStatus | undefined) ?? null) : null,
      task_outcome: r.task_id ? (tasks.get(r.task_id)?.outcome ?? null) : null,
      outcome: r.outcome,
      status_code: r.status_code,
      replay_of: r.replay_of,
      created_at: new Date(Number(r.created_at)).toISOString(),
    }));
  };
  const config = async (id: string) => {
    const row = id.startsWith('static:') ? undefined : await s.repos.webhooks.get(id);
    if (!row) throw notFound(`webhook ${id}`);
    return row;
  };
  const staticProvider = (name: string): ProviderName => {
    if (!isProvider(name)) throw new HttpError(404, `no built-in route for "${name}"; built-in routes: ${PROVIDER_NAMES.join(', ')}`);
    return name;
  };
  const validCommand = (body: unknown, provider: string, partialOf?: WebhookCommandRow) => {
    const merged = partialOf ? { ...commandInputOf(partialOf), ...(body as object) } : body;
    const input = parse(CommandInput, merged, 'command');
    const problems = commandProblems(input, provider);
    if (problems.length) throw new HttpError(400, `invalid command: ${problems.join('; ')}`, problems);
    return input;
  };

  // ---- dynamic configs ----
  app.get('/api/webhooks', { schema: { tags, summary: "Users' webhooks and the built-in routes", response: { 200: WebhookList, ...E } } }, async () => {
    const [rows, counts] = await Promise.all([s.repos.webhooks.list(), s.repos.webhooks.countCommands()]);
    const statics = await Promise.all(PROVIDER_NAMES.map((p) => staticView(p)));
    return { webhooks: rows.map((r) => configView(r, counts[r.webhook_id] ?? 0)), static: statics };
  });

  const create = { tags, summary: 'Add a webhook (its secret is shown this once)', body: WebhookCreate, response: { 201: WebhookConfig, ...E } };
  app.post('/api/webhooks', { schema: create }, async (req, reply) => {
    const body = req.body;
    const secret = body.secret ?? randomBytes(24).toString('base64url');
    const row = await s.repos.webhooks.create({ name: body.name, provider: body.provider, secret });
    if (!body.enabled) await s.repos.webhooks.update(row.webhook_id, { enabled: false });
    // The secret is returned this once; afterwards only a rotation shows a new one.
    return reply.code(201).send({ ...configView({ ...row, enabled: body.enabled ? 1 : 0 }, 0), secret, signature_header: signatureHeader(body.provider) });
  });

  app.get('/api/webhooks/:id', { schema: { tags, summary: 'A webhook with its commands', params: WebhookParams, response: { 200: WebhookDetail, ...E } } }, async (req) => {
    const row = await config(req.params.id);
    const commands = await s.repos.webhooks.commands(row.webhook_id);
    return { ...configView(row, commands.length), signature_header: signatureHeader(row.provider), commands: commands.map(commandView) };
  });

  const patch = { tags, summary: 'Rename, enable or disable a webhook, or rotate its secret', params: WebhookParams, body: WebhookPatch, response: { 200: WebhookConfig, ...E } };
  app.patch('/api/webhooks/:id', { schema: patch }, async (req) => {
    const body = req.body;
    await config(req.params.id);
    const secret = body.rotate_secret ? randomBytes(24).toString('base64url') : undefined;
    const row = await s.repos.webhooks.update(req.params.id, { name: body.name, enabled: body.enabled, secret });
    return { ...configView(row!), ...(secret ? { secret } : {}) };
  });

  app.delete('/api/webhooks/:id', { schema: { tags, summary: 'Delete a webhook', params: WebhookParams, response: { 204: NoContent, ...E } } }, async (req, reply) => {
    await config(req.params.id);
    await s.repos.webhooks.delete(req.params.id);
    return reply.code(204).send();
  });

  app.get('/api/webhooks/:id/commands', { schema: { tags, summary: "A webhook's commands", params: WebhookParams, response: { 200: CommandList, ...E } } }, async (req) => {
    await config(req.params.id);
    return { commands: (await s.repos.webhooks.commands(req.params.id)).map(commandView) };
  });

  const addCommand = { tags, summary: 'Add a command', params: WebhookParams, body: CommandInput, response: { 201: Command, ...E } };
  app.post('/api/webhooks/:id/commands', { schema: addCommand }, async (req, reply) => {
    const row = await config(req.params.id);
    const input = validCommand(req.body, row.provider);
    return reply.code(201).send(commandView(await s.repos.webhooks.createCommand(row.webhook_id, { ...input, template: input.template })));
  });

  const patchCommand = { tags, summary: 'Change a command', params: CommandParams, body: CommandPatch, response: { 200: Command, ...E } };
  app.patch('/api/webhooks/:id/commands/:cid', { schema: patchCommand }, async (req) => {
    const row = await config(req.params.id);
    const existing = await s.repos.webhooks.getCommand(row.webhook_id, req.params.cid);
    if (!existing) throw notFound(`command ${req.params.cid}`);
    const input = validCommand(req.body, row.provider, existing);
    return commandView((await s.repos.webhooks.updateCommand(row.webhook_id, existing.command_id, input))!);
  });

  app.delete('/api/webhooks/:id/commands/:cid', { schema: { tags, summary: 'Delete a command', params: CommandParams, response: { 204: NoContent, ...E } } }, async (req, reply) => {
    await config(req.params.id);
    if (!(await s.repos.webhooks.deleteCommand(req.params.id, req.params.cid))) throw notFound(`command ${req.params.cid}`);
    return reply.code(204).send();
  });

  const events = { tags, summary: "A webhook's deliveries, newest first", params: WebhookParams, querystring: DeliveriesQuery, response: { 200: DeliveryList, ...E } };
  app.get('/api/webhooks/:id/events', { schema: events }, async (req) => {
    const q = req.query;
    await config(req.params.id);
    return { events: await eventViews(await s.repos.webhookEvents.list({ webhook_id: req.params.id, limit: q.limit, before: q.before, payloadChars: PAYLOAD_HEAD_CHARS })) };
  });

  const payload = { tags, summary: "A delivery's whole body as received", params: DeliveryParams, response: { 200: RawPayload, ...E } };
  app.get('/api/webhooks/:id/events/:eid/payload', { schema: payload }, async (req, reply) => {
    await config(req.params.id);
    return fullPayload(req.params.eid, (e) => e.webhook_id === req.params.id, reply);
  });

  /** One delivery's body exactly as stored, as text: never parsed here, however large or deep. */
  const fullPayload = async (eventId: string, belongs: (e: Pick<WebhookEventRow, 'webhook_id' | 'provider'>) => boolean, reply: FastifyReply) => {
    const row = await s.repos.webhookEvents.getSummary(eventId);
    if (!row || !belongs(row)) throw notFound(`delivery ${eventId}`);
    return reply.type('text/plain; charset=utf-8').send(await s.repos.webhookEvents.payload(eventId));
  };

  const replay = async (eventId: string, belongs: (e: WebhookEventRow) => boolean, reply: FastifyReply) => {
    const original = await s.repos.webhookEvents.get(eventId);
    if (!original || !belongs(original)) throw notFound(`delivery ${eventId}`);
    const result = await ingest.replay(original);
    if (result.outcome === 'accepted') return reply.code(202).send({ task_id: result.taskId, task_ids: result.taskIds, replay_of: eventId });
    if (result.outcome === 'bad_request' || result.outcome === 'not_found') throw new HttpError(result.outcome === 'bad_request' ? 409 : 404, result.why);
    if (result.outcome === 'failed') return reply.code(500).send({ error: result.why, replay_of: eventId });
    return reply.code(200).send({ outcome: result.outcome, ...('reason' in result ? { reason: result.reason } : {}), replay_of: eventId });
  };

  app.post('/api/webhooks/:id/events/:eid/replay', { schema: { tags, summary: 'Process a delivery again', params: DeliveryParams, response: REPLAYED } }, async (req, reply) => {
    await config(req.params.id);
    return replay(req.params.eid, (e) => e.webhook_id === req.params.id, reply);
  });

  const test = { tags, summary: 'Dry run: what the commands would do with a payload', params: WebhookParams, body: DryRun, response: { 200: DryRunResult, ...E } };
  app.post('/api/webhooks/:id/test', { schema: test }, async (req) => {
    const row = await config(req.params.id);
    const body = req.body;
    return { dry_run: true as const, ...(await ingest.dryRun(row.webhook_id, row.provider, dryRunHeaders(row.provider, body.headers, body.event_type), body.payload)) };
  });

  // ---- the built-in routes ----
  async function staticView(provider: ProviderName) {
    const ruleSet = await ingest.ruleSetFor(provider);
    const userRows = await s.repos.webhooks.commands(staticId(provider));
    const builtinNames = new Set(BUILTIN_RULE_SETS[provider].commands.map((c) => c.name));
    return {
      provider,
      endpoint_url: `${base()}/webhooks/${provider}`,
      secret_setting: adapterFor(provider).settings.secret,
      configured: adapterFor(provider).enabled(s.config),
      trigger_phrase: ruleSet.triggerPhrase,
      commands: ruleSet.commands.map((c) => {
        const user = userRows.find((r) => r.name === c.name);
        return {
          name: c.name,
          aliases: c.aliases,
          description: c.description,
          triggers: c.triggers,
          agent: c.agent,
          template: c.template,
          permissions: c.permissions,
          needs_approval: c.needs_approval,
          builtin: builtinNames.has(c.name),
          overridden: builtinNames.has(c.name) && !!user,
          command_id: user?.command_id ?? null,
        };
      }),
    };
  }

  const route = { tags: builtin, params: StaticParams, response: { 200: StaticRoute, ...E } };
  app.get('/api/webhooks/static/:provider', { schema: { ...route, summary: 'A built-in route with its commands' } }, async (req) => staticView(staticProvider(req.params.provider)));

  app.patch('/api/webhooks/static/:provider', { schema: { ...route, summary: "Set a built-in route's trigger phrase", body: StaticPatch } }, async (req) => {
    const provider = staticProvider(req.params.provider);
    const body = req.body;
    await ensureStaticRow(provider);
    await s.repos.webhooks.update(staticId(provider), { trigger_phrase: body.trigger_phrase });
    return staticView(provider);
  });

  async function ensureStaticRow(provider: ProviderName) {
    if (!(await s.repos.webhooks.get(staticId(provider)))) {
      // The built-in route keeps its secret in the environment; this row only holds the user's settings.
      await s.repos.webhooks.create({ webhook_id: staticId(provider), name: `${provider} (built-in route)`, provider, secret: '' });
    }
  }

  const commands = { tags: builtin, summary: "A built-in route's commands", params: StaticParams, response: { 200: z.array(StaticCommand), ...E } };
  app.get('/api/webhooks/static/:provider/commands', { schema: commands }, async (req) => (await staticView(staticProvider(req.params.provider))).commands);

  /** A user command on a built-in route; one named like a built-in overrides it until deleted. */
  const addStatic = { tags: builtin, summary: 'Add a command, or override a built-in by its name', params: StaticParams, body: CommandInput, response: { 201: Command, ...E } };
  app.post('/api/webhooks/static/:provider/commands', { schema: addStatic }, async (req, reply) => {
    const provider = staticProvider(req.params.provider);
    const input = validCommand(req.body, provider);
    if (input.action !== 'create_task') throw new HttpError(400, 'invalid command: action: commands on a built-in route create tasks');
    await ensureStaticRow(provider);
    if ((await s.repos.webhooks.commands(staticId(provider))).some((r) => r.name === input.name)) {
      throw new HttpError(409, `a user command "${input.name}" already exists on /webhooks/${provider}; PATCH it instead`);
    }
    return reply.code(201).send(commandView(await s.repos.webhooks.createCommand(staticId(provider), input)));
  });

  const patchStatic = { tags: builtin, summary: "Change a user's command on a built-in route", params: StaticCommandParams, body: CommandPatch, response: { 200: Command, ...E } };
  app.patch('/api/webhooks/static/:provider/commands/:name', { schema: patchStatic }, async (req) => {
    const provider = staticProvider(req.params.provider);
    const row = (await s.repos.webhooks.commands(staticId(provider))).find((r) => r.name === req.params.name);
    if (!row) throw notFound(`user command ${req.params.name} on /webhooks/${provider} (to change a built-in, POST a command with its name)`);
    const input = validCommand(req.body, provider, row);
    return commandView((await s.repos.webhooks.updateCommand(staticId(provider), row.command_id, input))!);
  });

  /** Deleting a user command; for an override this restores the built-in. Built-ins themselves cannot be deleted. */
  const deleteStatic = { tags: builtin, summary: "Delete a user's command (an override: the built-in is back)", params: StaticCommandParams, response: { 204: NoContent, ...E } };
  app.delete('/api/webhooks/static/:provider/commands/:name', { schema: deleteStatic }, async (req, reply) => {
    const provider = staticProvider(req.params.provider);
    const row = (await s.repos.webhooks.commands(staticId(provider))).find((r) => r.name === req.params.name);
    if (row) {
      await s.repos.webhooks.deleteCommand(staticId(provider), row.command_id);
      return reply.code(204).send();
    }
    if ((await ingest.ruleSetFor(provider)).commands.some((c) => c.name === req.params.name)) {
      throw new HttpError(409, `${req.params.name} is a built-in command: it cannot be deleted, only overridden (POST a command with its name) and restored`);
    }
    throw notFound(`command ${req.params.name} on /webhooks/${provider}`);
  });

  const staticEvents = { tags: builtin, summary: "A built-in route's deliveries, newest first", params: StaticParams, querystring: DeliveriesQuery, response: { 200: DeliveryList, ...E } };
  app.get('/api/webhooks/static/:provider/events', { schema: staticEvents }, async (req) => {
    const provider = staticProvider(req.params.provider);
    const q = req.query;
    return { events: await eventViews(await s.repos.webhookEvents.list({ provider, webhook_id: null, limit: q.limit, before: q.before, payloadChars: PAYLOAD_HEAD_CHARS })) };
  });

  app.get('/api/webhooks/static/:provider/events/:eid/payload', { schema: { ...payload, tags: builtin, params: StaticDeliveryParams } }, async (req, reply) => {
    const provider = staticProvider(req.params.provider);
    return fullPayload(req.params.eid, (e) => e.webhook_id === null && e.provider === provider, reply);
  });

  const replayStatic = { tags: builtin, summary: 'Process a delivery again', params: StaticDeliveryParams, response: REPLAYED };
  app.post('/api/webhooks/static/:provider/events/:eid/replay', { schema: replayStatic }, async (req, reply) => {
    const provider = staticProvider(req.params.provider);
    return replay(req.params.eid, (e) => e.webhook_id === null && e.provider === provider, reply);
  });

  const testStatic = { tags: builtin, summary: 'Dry run: what the route would do with a payload', params: StaticParams, body: DryRun, response: { 200: DryRunResult, ...E } };
  app.post('/api/webhooks/static/:provider/test', { schema: testStatic }, async (req) => {
    const provider = staticProvider(req.params.provider);
    const body = req.body;
    return { dry_run: true as const, ...(await ingest.dryRun(null, provider, dryRunHeaders(provider, body.headers, body.event_type), body.payload)) };
  });
}

export function signatureHeader(provider: string): string {
  if (provider === 'generic') return 'X-Signature-256: sha256=<hex HMAC-SHA256 of the body>';
  return isProvider(provider) ? adapterFor(provider).signature.describe : '';
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

export function commandInputOf(row: WebhookCommandRow) {
  const c = toUserCommand(row);
  return {
    name: c.name,
    trigger: row.trigger,
    aliases: c.aliases,
    description: c.description,
    conditions: c.conditions,
    action: c.action,
    agent: c.agent,
    template: row.template,
    options: row.options ? c.options : null,
    priority: c.priority,
    permissions: c.permissions,
    needs_approval: c.needs_approval,
    stop_after_match: c.stop_after_match,
    enabled: c.enabled,
  };
}

import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { jsonNestingDepth, MAX_JSON_DEPTH } from '../security/json-depth.js';
import type { Services } from '../services.js';
import type { WebhookEventHead } from '../storage/repositories/webhook-events.js';
import type { WebhookCommandRow, WebhookConfigRow, WebhookEventRow } from '../storage/schema.js';
import { CommandInput, commandProblems, DYNAMIC_PROVIDERS, toUserCommand } from '../webhooks/engine.js';
import { staticId, type WebhookIngest } from '../webhooks/ingest.js';
import { isProvider, PROVIDER_NAMES, PROVIDERS, type ProviderName } from '../webhooks/provider-registry.js';
import { BUILTIN_RULE_SETS } from '../webhooks/rules/builtin-commands.js';
import { HttpError, notFound, parse } from './http-errors.js';

export const WebhookCreate = z.object({
  name: z.string().trim().min(1).max(200),
  provider: z.enum(DYNAMIC_PROVIDERS),
  secret: z.string().min(16, 'must be at least 16 characters').max(256).optional(),
  enabled: z.boolean().default(true),
});
export const WebhookPatch = z
  .object({ name: z.string().trim().min(1).max(200).optional(), enabled: z.boolean().optional(), rotate_secret: z.literal(true).optional() })
  .refine((p) => Object.keys(p).length > 0, 'nothing to change: send name, enabled or rotate_secret');
const StaticPatch = z.object({ trigger_phrase: z.string().trim().min(2).max(50).nullable() });
const EventsQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), before: z.coerce.number().int().positive().optional() });
const DryRun = z.object({ payload: z.unknown().refine((p) => p !== undefined, 'required'), headers: z.record(z.string(), z.string()).default({}), event_type: z.string().max(100).optional() });

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

export function webhookApiRoutes(app: FastifyInstance, s: Services, ingest: WebhookIngest): void {
  const base = () => s.config.PUBLIC_URL?.replace(/\/$/, '') ?? `http://${s.config.HOST}:${s.config.PORT}`;
  const configView = (row: WebhookConfigRow, commands?: number) => ({
    webhook_id: row.webhook_id,
    name: row.name,
    provider: row.provider,
    enabled: row.enabled === 1,
    endpoint_url: `${base()}/webhooks/${row.provider}/${row.webhook_id}`,
    commands_count: commands,
    created_at: new Date(Number(row.created_at)).toISOString(),
    updated_at: new Date(Number(row.updated_at)).toISOString(),
  });
  const commandView = (row: WebhookCommandRow) => {
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
      explanation: json(r.explanation),
      rendered_prompt: r.rendered_prompt,
      task_id: r.task_id,
      task_status: r.task_id ? (tasks.get(r.task_id)?.status ?? null) : null,
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
  app.get('/api/webhooks', async () => {
    const [rows, counts] = await Promise.all([s.repos.webhooks.list(), s.repos.webhooks.countCommands()]);
    const statics = await Promise.all(PROVIDER_NAMES.map((p) => staticView(p)));
    return { webhooks: rows.map((r) => configView(r, counts[r.webhook_id] ?? 0)), static: statics };
  });

  app.post('/api/webhooks', async (req, reply) => {
    const body = parse(WebhookCreate, req.body, 'webhook');
    const secret = body.secret ?? randomBytes(24).toString('base64url');
    const row = await s.repos.webhooks.create({ name: body.name, provider: body.provider, secret });
    if (!body.enabled) await s.repos.webhooks.update(row.webhook_id, { enabled: false });
    // The secret is returned this once; afterwards only a rotation shows a new one.
    return reply.code(201).send({ ...configView({ ...row, enabled: body.enabled ? 1 : 0 }, 0), secret, signature_header: signatureHeader(body.provider) });
  });

  app.get<{ Params: { id: string } }>('/api/webhooks/:id', async (req) => {
    const row = await config(req.params.id);
    const commands = await s.repos.webhooks.commands(row.webhook_id);
    return { ...configView(row, commands.length), signature_header: signatureHeader(row.provider), commands: commands.map(commandView) };
  });

  app.patch<{ Params: { id: string } }>('/api/webhooks/:id', async (req) => {
    const body = parse(WebhookPatch, req.body, 'webhook');
    await config(req.params.id);
    const secret = body.rotate_secret ? randomBytes(24).toString('base64url') : undefined;
    const row = await s.repos.webhooks.update(req.params.id, { name: body.name, enabled: body.enabled, secret });
    return { ...configView(row!), ...(secret ? { secret } : {}) };
  });

  app.delete<{ Params: { id: string } }>('/api/webhooks/:id', async (req, reply) => {
    await config(req.params.id);
    await s.repos.webhooks.delete(req.params.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/api/webhooks/:id/commands', async (req) => {
    await config(req.params.id);
    return { commands: (await s.repos.webhooks.commands(req.params.id)).map(commandView) };
  });

  app.post<{ Params: { id: string } }>('/api/webhooks/:id/commands', async (req, reply) => {
    const row = await config(req.params.id);
    const input = validCommand(req.body, row.provider);
    return reply.code(201).send(commandView(await s.repos.webhooks.createCommand(row.webhook_id, { ...input, template: input.template })));
  });

  app.patch<{ Params: { id: string; cid: string } }>('/api/webhooks/:id/commands/:cid', async (req) => {
    const row = await config(req.params.id);
    const existing = await s.repos.webhooks.getCommand(row.webhook_id, req.params.cid);
    if (!existing) throw notFound(`command ${req.params.cid}`);
    const input = validCommand(req.body, row.provider, existing);
    return commandView((await s.repos.webhooks.updateCommand(row.webhook_id, existing.command_id, input))!);
  });

  app.delete<{ Params: { id: string; cid: string } }>('/api/webhooks/:id/commands/:cid', async (req, reply) => {
    await config(req.params.id);
    if (!(await s.repos.webhooks.deleteCommand(req.params.id, req.params.cid))) throw notFound(`command ${req.params.cid}`);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/api/webhooks/:id/events', async (req) => {
    const q = parse(EventsQuery, req.query, 'query');
    await config(req.params.id);
    return { events: await eventViews(await s.repos.webhookEvents.list({ webhook_id: req.params.id, limit: q.limit, before: q.before, payloadChars: PAYLOAD_HEAD_CHARS })) };
  });

  app.get<{ Params: { id: string; eid: string } }>('/api/webhooks/:id/events/:eid/payload', async (req, reply) => {
    await config(req.params.id);
    return fullPayload(req.params.eid, (e) => e.webhook_id === req.params.id, reply);
  });

  /** One delivery's body exactly as stored, as text: never parsed here, however large or deep. */
  const fullPayload = async (eventId: string, belongs: (e: Pick<WebhookEventRow, 'webhook_id' | 'provider'>) => boolean, reply: import('fastify').FastifyReply) => {
    const row = await s.repos.webhookEvents.getSummary(eventId);
    if (!row || !belongs(row)) throw notFound(`delivery ${eventId}`);
    return reply.type('text/plain; charset=utf-8').send(await s.repos.webhookEvents.payload(eventId));
  };

  const replay = async (eventId: string, belongs: (e: WebhookEventRow) => boolean, reply: import('fastify').FastifyReply) => {
    const original = await s.repos.webhookEvents.get(eventId);
    if (!original || !belongs(original)) throw notFound(`delivery ${eventId}`);
    const result = await ingest.replay(original);
    if (result.outcome === 'accepted') return reply.code(202).send({ task_id: result.taskId, task_ids: result.taskIds, replay_of: eventId });
    if (result.outcome === 'bad_request' || result.outcome === 'not_found') throw new HttpError(result.outcome === 'bad_request' ? 409 : 404, result.why);
    if (result.outcome === 'failed') return reply.code(500).send({ error: result.why, replay_of: eventId });
    return reply.code(200).send({ outcome: result.outcome, ...('reason' in result ? { reason: result.reason } : {}), replay_of: eventId });
  };

  app.post<{ Params: { id: string; eid: string } }>('/api/webhooks/:id/events/:eid/replay', async (req, reply) => {
    await config(req.params.id);
    return replay(req.params.eid, (e) => e.webhook_id === req.params.id, reply);
  });

  app.post<{ Params: { id: string } }>('/api/webhooks/:id/test', async (req) => {
    const row = await config(req.params.id);
    const body = parse(DryRun, req.body, 'dry run');
    return { dry_run: true, ...(await ingest.dryRun(row.webhook_id, row.provider, dryRunHeaders(row.provider, body.headers, body.event_type), body.payload)) };
  });

  // ---- the built-in routes ----
  async function staticView(provider: ProviderName) {
    const ruleSet = await ingest.ruleSetFor(provider);
    const userRows = await s.repos.webhooks.commands(staticId(provider));
    const builtinNames = new Set(BUILTIN_RULE_SETS[provider].commands.map((c) => c.name));
    return {
      provider,
      endpoint_url: `${base()}/webhooks/${provider}`,
      secret_setting: PROVIDERS[provider].secretSetting,
      configured: !!s.config[PROVIDERS[provider].secretSetting],
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

  app.get<{ Params: { provider: string } }>('/api/webhooks/static/:provider', async (req) => staticView(staticProvider(req.params.provider)));

  app.patch<{ Params: { provider: string } }>('/api/webhooks/static/:provider', async (req) => {
    const provider = staticProvider(req.params.provider);
    const body = parse(StaticPatch, req.body, 'route');
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

  app.get<{ Params: { provider: string } }>('/api/webhooks/static/:provider/commands', async (req) => (await staticView(staticProvider(req.params.provider))).commands);

  /** A user command on a built-in route; one named like a built-in overrides it until deleted. */
  app.post<{ Params: { provider: string } }>('/api/webhooks/static/:provider/commands', async (req, reply) => {
    const provider = staticProvider(req.params.provider);
    const input = validCommand(req.body, provider);
    if (input.action !== 'create_task') throw new HttpError(400, 'invalid command: action: commands on a built-in route create tasks');
    await ensureStaticRow(provider);
    if ((await s.repos.webhooks.commands(staticId(provider))).some((r) => r.name === input.name)) {
      throw new HttpError(409, `a user command "${input.name}" already exists on /webhooks/${provider}; PATCH it instead`);
    }
    return reply.code(201).send(commandView(await s.repos.webhooks.createCommand(staticId(provider), input)));
  });

  app.patch<{ Params: { provider: string; name: string } }>('/api/webhooks/static/:provider/commands/:name', async (req) => {
    const provider = staticProvider(req.params.provider);
    const row = (await s.repos.webhooks.commands(staticId(provider))).find((r) => r.name === req.params.name);
    if (!row) throw notFound(`user command ${req.params.name} on /webhooks/${provider} (to change a built-in, POST a command with its name)`);
    const input = validCommand(req.body, provider, row);
    return commandView((await s.repos.webhooks.updateCommand(staticId(provider), row.command_id, input))!);
  });

  /** Deleting a user command; for an override this restores the built-in. Built-ins themselves cannot be deleted. */
  app.delete<{ Params: { provider: string; name: string } }>('/api/webhooks/static/:provider/commands/:name', async (req, reply) => {
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

  app.get<{ Params: { provider: string } }>('/api/webhooks/static/:provider/events', async (req) => {
    const provider = staticProvider(req.params.provider);
    const q = parse(EventsQuery, req.query, 'query');
    return { events: await eventViews(await s.repos.webhookEvents.list({ provider, webhook_id: null, limit: q.limit, before: q.before, payloadChars: PAYLOAD_HEAD_CHARS })) };
  });

  app.get<{ Params: { provider: string; eid: string } }>('/api/webhooks/static/:provider/events/:eid/payload', async (req, reply) => {
    const provider = staticProvider(req.params.provider);
    return fullPayload(req.params.eid, (e) => e.webhook_id === null && e.provider === provider, reply);
  });

  app.post<{ Params: { provider: string; eid: string } }>('/api/webhooks/static/:provider/events/:eid/replay', async (req, reply) => {
    const provider = staticProvider(req.params.provider);
    return replay(req.params.eid, (e) => e.webhook_id === null && e.provider === provider, reply);
  });

  app.post<{ Params: { provider: string } }>('/api/webhooks/static/:provider/test', async (req) => {
    const provider = staticProvider(req.params.provider);
    const body = parse(DryRun, req.body, 'dry run');
    return { dry_run: true, ...(await ingest.dryRun(null, provider, dryRunHeaders(provider, body.headers, body.event_type), body.payload)) };
  });
}

export function signatureHeader(provider: string): string {
  return { github: 'X-Hub-Signature-256: sha256=<hex>', jira: 'X-Hub-Signature: sha256=<hex>', slack: 'X-Slack-Signature: v0=<hex> with X-Slack-Request-Timestamp', sentry: 'Sentry-Hook-Signature: <hex>', generic: 'X-Signature-256: sha256=<hex HMAC-SHA256 of the body>' }[provider] ?? '';
}

/** A dry run may name the event type instead of sending the provider's headers. */
function dryRunHeaders(provider: string, headers: Record<string, string>, eventType?: string): Record<string, string> {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  h['content-type'] ??= 'application/json';
  if (eventType) {
    const [resource] = eventType.split('.');
    if (provider === 'github') h['x-github-event'] ??= resource!;
    if (provider === 'sentry') h['sentry-hook-resource'] ??= resource!;
    if (provider === 'generic') h['x-event-type'] ??= eventType;
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

// The webhook configuration API: users' webhooks and their rules, and the built-in routes' rules. Each handler is one
// call into the WebhookConfigService, which the management tools call too; refusals are DomainErrors answered by the
// app's one error handler. Deliveries, replays and dry runs are in webhook-deliveries.ts.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ERRORS, NoContent } from '../contracts/common.js';
import { Command, CommandInput, CommandList, CommandPatch, StaticCommand, StaticRoute } from '../contracts/webhook-commands.js';
import { CommandParams, StaticCommandParams, StaticParams, StaticPatch, WebhookConfig, WebhookCreate, WebhookDetail, WebhookList, WebhookParams, WebhookPatch } from '../contracts/webhooks.js';
import type { Services } from '../services.js';
import { webhookConfigService } from '../webhooks/config-service.js';
import type { WebhookIngest } from '../webhooks/ingest.js';
import { typed } from './schemas.js';
import { webhookDeliveryRoutes } from './webhook-deliveries.js';

const tags = ['webhooks'];
const builtin = ['webhooks: built-in routes'];
const E = ERRORS;

export function webhookApiRoutes(plain: FastifyInstance, s: Services, ingest: WebhookIngest): void {
  const app = typed(plain);
  const configs = webhookConfigService(s);

  // ---- users' webhooks ----
  app.get('/api/webhooks', { schema: { tags, summary: "Users' webhooks and the built-in routes", response: { 200: WebhookList, ...E } } }, () => configs.list());

  const create = { tags, summary: 'Add a webhook (its secret is shown this once)', body: WebhookCreate, response: { 201: WebhookConfig, ...E } };
  app.post('/api/webhooks', { schema: create }, async (req, reply) => reply.code(201).send(await configs.create(req.body)));

  const detail = { tags, summary: 'A webhook with its commands', params: WebhookParams, response: { 200: WebhookDetail, ...E } };
  app.get('/api/webhooks/:id', { schema: detail }, (req) => configs.get(req.params.id));

  const patch = { tags, summary: 'Rename, enable or disable a webhook, or rotate its secret', params: WebhookParams, body: WebhookPatch, response: { 200: WebhookConfig, ...E } };
  app.patch('/api/webhooks/:id', { schema: patch }, (req) => configs.update(req.params.id, req.body));

  const remove = { tags, summary: 'Delete a webhook', params: WebhookParams, response: { 204: NoContent, ...E } };
  app.delete('/api/webhooks/:id', { schema: remove }, async (req, reply) => {
    await configs.delete(req.params.id);
    return reply.code(204).send();
  });

  const list = { tags, summary: "A webhook's commands", params: WebhookParams, response: { 200: CommandList, ...E } };
  app.get('/api/webhooks/:id/commands', { schema: list }, (req) => configs.commands(req.params.id));

  const add = { tags, summary: 'Add a command', params: WebhookParams, body: CommandInput, response: { 201: Command, ...E } };
  app.post('/api/webhooks/:id/commands', { schema: add }, async (req, reply) => reply.code(201).send(await configs.addCommand(req.params.id, req.body)));

  const change = { tags, summary: 'Change a command', params: CommandParams, body: CommandPatch, response: { 200: Command, ...E } };
  app.patch('/api/webhooks/:id/commands/:cid', { schema: change }, (req) => configs.updateCommand(req.params.id, req.params.cid, req.body));

  const drop = { tags, summary: 'Delete a command', params: CommandParams, response: { 204: NoContent, ...E } };
  app.delete('/api/webhooks/:id/commands/:cid', { schema: drop }, async (req, reply) => {
    await configs.deleteCommand(req.params.id, req.params.cid);
    return reply.code(204).send();
  });

  // ---- the built-in routes: rules seeded from the built-in tables, overridden, edited and restored ----
  const route = { tags: builtin, params: StaticParams, response: { 200: StaticRoute, ...E } };
  app.get('/api/webhooks/static/:provider', { schema: { ...route, summary: 'A built-in route with its commands' } }, (req) => configs.staticRoute(configs.provider(req.params.provider)));

  const phrase = { ...route, summary: "Set a built-in route's trigger phrase", body: StaticPatch };
  app.patch('/api/webhooks/static/:provider', { schema: phrase }, (req) => configs.setTriggerPhrase(configs.provider(req.params.provider), req.body));

  const rules = { tags: builtin, summary: "A built-in route's commands", params: StaticParams, response: { 200: z.array(StaticCommand), ...E } };
  app.get('/api/webhooks/static/:provider/commands', { schema: rules }, async (req) => (await configs.staticRoute(configs.provider(req.params.provider))).commands);

  const addStatic = { tags: builtin, summary: 'Add a command, or override a built-in by its name', params: StaticParams, body: CommandInput, response: { 201: Command, ...E } };
  app.post('/api/webhooks/static/:provider/commands', { schema: addStatic }, async (req, reply) =>
    reply.code(201).send(await configs.addStaticCommand(configs.provider(req.params.provider), req.body)),
  );

  const patchStatic = { tags: builtin, summary: 'Change a command (a built-in: an override seeded from it)', params: StaticCommandParams, body: CommandPatch, response: { 200: Command, ...E } };
  app.patch('/api/webhooks/static/:provider/commands/:name', { schema: patchStatic }, (req) =>
    configs.updateStaticCommand(configs.provider(req.params.provider), req.params.name, req.body),
  );

  const deleteStatic = { tags: builtin, summary: "Delete a user's command (an override: the built-in is back)", params: StaticCommandParams, response: { 204: NoContent, ...E } };
  app.delete('/api/webhooks/static/:provider/commands/:name', { schema: deleteStatic }, async (req, reply) => {
    await configs.deleteStaticCommand(configs.provider(req.params.provider), req.params.name);
    return reply.code(204).send();
  });

  webhookDeliveryRoutes(app, s, ingest, configs);
}

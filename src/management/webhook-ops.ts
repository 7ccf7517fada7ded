// Webhook configs and commands changed from inside the service (the management tools, a skill's `webhook_config`),
// through the same schemas and checks as the webhook API (src/contracts/webhooks.ts, src/api/webhooks.ts): WebhookCreate/WebhookPatch for
// configs, CommandInput + commandProblems for commands.
import { randomBytes } from 'node:crypto';
import { commandInputOf, signatureHeader } from '../api/webhooks.js';
import { WebhookCreate, WebhookPatch } from '../contracts/webhooks.js';
import { invalid, notFound, parseInput } from '../registry/errors.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { WebhookCommandRow, WebhookConfigRow } from '../storage/schema.js';
import { CommandInput, commandProblems, toUserCommand } from '../webhooks/engine.js';

export interface WebhookOpsDeps {
  repos: Repositories;
  /** Base of the endpoint URLs shown to users (PUBLIC_URL, else the service's address). */
  publicBase: () => string;
}

export function webhookView(deps: WebhookOpsDeps, row: WebhookConfigRow, commands?: WebhookCommandRow[]) {
  return {
    webhook_id: row.webhook_id,
    name: row.name,
    provider: row.provider,
    enabled: row.enabled === 1,
    endpoint_url: `${deps.publicBase()}/webhooks/${row.provider}/${row.webhook_id}`,
    signature_header: signatureHeader(row.provider),
    ...(commands ? { commands: commands.map(commandView) } : {}),
  };
}

export function commandView(row: WebhookCommandRow) {
  return { ...toUserCommand(row), trigger: row.trigger };
}

async function config(repos: Repositories, id: string): Promise<WebhookConfigRow> {
  const row = id.startsWith('static:') ? undefined : await repos.webhooks.get(id);
  if (!row) throw notFound(`webhook ${id}`);
  return row;
}

/** A command as the API would accept it: CommandInput, then the checks zod cannot make (conditions, template…). */
export function validCommand(body: unknown, provider: string, field = 'command', partialOf?: WebhookCommandRow): CommandInput {
  const merged = partialOf ? { ...commandInputOf(partialOf), ...(body as object) } : body;
  const input = parseInput(CommandInput, merged, field);
  const problems = commandProblems(input, provider);
  if (problems.length) throw invalid(field, problems);
  return input;
}

export async function listWebhooks(deps: WebhookOpsDeps) {
  const rows = await deps.repos.webhooks.list();
  return Promise.all(rows.map(async (r) => webhookView(deps, r, await deps.repos.webhooks.commands(r.webhook_id))));
}

export async function getWebhook(deps: WebhookOpsDeps, id: string) {
  const row = await config(deps.repos, id);
  return webhookView(deps, row, await deps.repos.webhooks.commands(row.webhook_id));
}

/** A new config; its secret is returned this once. */
export async function createWebhook(deps: WebhookOpsDeps, body: unknown) {
  const input = parseInput(WebhookCreate, body, 'webhook');
  const secret = input.secret ?? randomBytes(24).toString('base64url');
  let row = await deps.repos.webhooks.create({ name: input.name, provider: input.provider, secret });
  if (!input.enabled) row = (await deps.repos.webhooks.update(row.webhook_id, { enabled: false }))!;
  return { ...webhookView(deps, row, []), secret };
}

export async function updateWebhook(deps: WebhookOpsDeps, id: string, body: unknown) {
  const input = parseInput(WebhookPatch, body, 'webhook');
  await config(deps.repos, id);
  const secret = input.rotate_secret ? randomBytes(24).toString('base64url') : undefined;
  const row = await deps.repos.webhooks.update(id, { name: input.name, enabled: input.enabled, secret });
  return { ...webhookView(deps, row!), ...(secret ? { secret } : {}) };
}

export async function createCommand(deps: WebhookOpsDeps, webhookId: string, body: unknown) {
  const row = await config(deps.repos, webhookId);
  const input = validCommand(body, row.provider);
  return commandView(await deps.repos.webhooks.createCommand(webhookId, input));
}

export async function updateCommand(deps: WebhookOpsDeps, webhookId: string, commandId: string, body: unknown) {
  const row = await config(deps.repos, webhookId);
  const existing = await deps.repos.webhooks.getCommand(webhookId, commandId);
  if (!existing) throw notFound(`command ${commandId}`);
  const input = validCommand(body, row.provider, 'command', existing);
  return commandView((await deps.repos.webhooks.updateCommand(webhookId, commandId, input))!);
}

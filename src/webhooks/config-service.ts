// The one webhook-configuration service: users' webhooks, their rules, and the built-in routes' rules (seeded from
// the built-in tables, overridden, edited and restored). The HTTP API (src/api/webhooks.ts) and the management tools
// (src/management/mcp-server.ts) both call it, so a change is checked, stored and shown the same way whoever asks.
// It knows no HTTP: refusals are DomainErrors, which the API's one error handler maps to a status.
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Command, CommandInput as CommandInputType, StaticCommand, StaticRoute } from '../contracts/webhook-commands.js';
import { CommandInput } from '../contracts/webhook-commands.js';
import { StaticPatch, type WebhookConfig, WebhookCreate, WebhookPatch } from '../contracts/webhooks.js';
import { conflict, DomainError, invalid, notFound, parseInput } from '../domain/errors.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { WebhookCommandRow, WebhookConfigRow } from '../storage/schema.js';
import { commandProblems, toUserCommand, type UserCommand } from './engine.js';
import { adapterFor, isProvider, PROVIDER_NAMES, type ProviderName } from './providers/index.js';
import { BUILTIN_RULE_SETS } from './rules/builtin-commands.js';
import { RouteRules, staticId } from './rules/routes.js';
import { nextRuns } from './rules/schedule.js';
import type { Rule } from './rules/types.js';

export { staticId };

/** What the service and a skill's webhook (src/registry/skill-webhook.ts) need: the store and the public address. */
export interface WebhookStoreDeps {
  repos: Repositories;
  /** Base of the endpoint URLs shown to users (PUBLIC_URL, else the service's address). */
  publicBase: () => string;
}

export const publicBaseOf = (config: Pick<Config, 'PUBLIC_URL' | 'HOST' | 'PORT'>) => () => config.PUBLIC_URL?.replace(/\/$/, '') ?? `http://${config.HOST}:${config.PORT}`;

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

export function signatureHeader(provider: string): string {
  if (provider === 'generic') return 'X-Signature-256: sha256=<hex HMAC-SHA256 of the body>';
  return isProvider(provider) ? adapterFor(provider).signature.describe : '';
}

export function commandView(row: WebhookCommandRow): Command {
  return { ...toUserCommand(row), trigger: row.trigger, next_runs: nextRuns(row.schedule), created_at: iso(row.created_at) };
}

/** A stored rule as the API would accept it back: what a PATCH is merged over. */
function inputOf({ command_id: _id, source: _source, ...c }: Omit<UserCommand, 'command_id'> & { command_id?: string | undefined; source?: Rule['source'] }, trigger: string) {
  return { ...c, trigger, template: c.template || null, options: Object.keys(c.options).length ? c.options : null };
}

/** A command as the API would accept it: CommandInput, then the checks zod cannot make (conditions, template…). */
export function validCommand(body: unknown, provider: string, field = 'command', mergedOver?: object): CommandInputType {
  const input = parseInput(CommandInput, mergedOver ? { ...mergedOver, ...(body as object) } : body, field);
  const problems = commandProblems(input, provider);
  if (problems.length) throw invalid(field, problems);
  return input;
}

const rowInput = (row: WebhookCommandRow) => inputOf(toUserCommand(row), row.trigger);

/** The service over the app's store and settings; the API and the management tools each build theirs with it. */
export const webhookConfigService = (s: { repos: Repositories; config: Config }) => new WebhookConfigService({ repos: s.repos, config: s.config, publicBase: publicBaseOf(s.config) });

export class WebhookConfigService {
  private readonly routes: RouteRules;

  constructor(private readonly deps: WebhookStoreDeps & { config: Config }) {
    this.routes = new RouteRules({ repos: deps.repos, config: deps.config, builtin: BUILTIN_RULE_SETS });
  }

  // ---- users' webhooks ----

  view(row: WebhookConfigRow, commands?: WebhookCommandRow[] | number): WebhookConfig {
    return {
      webhook_id: row.webhook_id,
      name: row.name,
      provider: row.provider as WebhookConfig['provider'],
      enabled: row.enabled === 1,
      endpoint_url: `${this.deps.publicBase()}/webhooks/${row.provider}/${row.webhook_id}`,
      signature_header: signatureHeader(row.provider),
      commands_count: typeof commands === 'number' ? commands : commands?.length,
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at),
    };
  }

  /** A user's webhook by id; the built-in routes' rows are not webhooks. */
  async config(id: string): Promise<WebhookConfigRow> {
    const row = id.startsWith('static:') ? undefined : await this.deps.repos.webhooks.get(id);
    if (!row) throw notFound(`webhook ${id}`);
    return row;
  }

  async list() {
    const { repos } = this.deps;
    const [rows, counts] = await Promise.all([repos.webhooks.list(), repos.webhooks.countCommands()]);
    const statics = await Promise.all(PROVIDER_NAMES.map((p) => this.staticRoute(p)));
    return { webhooks: rows.map((r) => this.view(r, counts[r.webhook_id] ?? 0)), static: statics };
  }

  async get(id: string) {
    const row = await this.config(id);
    const commands = await this.deps.repos.webhooks.commands(row.webhook_id);
    return { ...this.view(row, commands), signature_header: signatureHeader(row.provider), commands: commands.map(commandView) };
  }

  /** A new webhook; its secret is returned this once (afterwards only a rotation shows a new one). */
  async create(body: unknown) {
    const input = parseInput(WebhookCreate, body, 'webhook');
    const secret = input.secret ?? randomBytes(24).toString('base64url');
    let row = await this.deps.repos.webhooks.create({ name: input.name, provider: input.provider, secret });
    if (!input.enabled) row = (await this.deps.repos.webhooks.update(row.webhook_id, { enabled: false }))!;
    return { ...this.view(row, 0), secret, signature_header: signatureHeader(input.provider) };
  }

  async update(id: string, body: unknown) {
    const input = parseInput(WebhookPatch, body, 'webhook');
    await this.config(id);
    const secret = input.rotate_secret ? randomBytes(24).toString('base64url') : undefined;
    const row = await this.deps.repos.webhooks.update(id, { name: input.name, enabled: input.enabled, secret });
    return { ...this.view(row!), ...(secret ? { secret } : {}) };
  }

  async delete(id: string): Promise<void> {
    await this.config(id);
    await this.deps.repos.webhooks.delete(id);
  }

  async commands(id: string) {
    await this.config(id);
    return { commands: (await this.deps.repos.webhooks.commands(id)).map(commandView) };
  }

  async addCommand(id: string, body: unknown) {
    const row = await this.config(id);
    return commandView(await this.deps.repos.webhooks.createCommand(row.webhook_id, validCommand(body, row.provider)));
  }

  async updateCommand(id: string, commandId: string, body: unknown) {
    const row = await this.config(id);
    const existing = await this.deps.repos.webhooks.getCommand(row.webhook_id, commandId);
    if (!existing) throw notFound(`command ${commandId}`);
    const input = validCommand(body, row.provider, 'command', rowInput(existing));
    return commandView((await this.deps.repos.webhooks.updateCommand(row.webhook_id, existing.command_id, input))!);
  }

  async deleteCommand(id: string, commandId: string): Promise<void> {
    await this.config(id);
    if (!(await this.deps.repos.webhooks.deleteCommand(id, commandId))) throw notFound(`command ${commandId}`);
  }

  // ---- the built-in routes: their rules are seeded from the tables, and edited, overridden and restored here ----

  provider(name: string): ProviderName {
    if (!isProvider(name)) throw new DomainError('not_found', `no built-in route for "${name}"; built-in routes: ${PROVIDER_NAMES.join(', ')}`);
    return name;
  }

  async staticRoute(provider: ProviderName): Promise<StaticRoute> {
    const route = await this.routes.builtin(provider);
    const seeded = new Set(this.routes.table(provider).commands.map((c) => c.name));
    const adapter = adapterFor(provider);
    return {
      provider,
      endpoint_url: `${this.deps.publicBase()}/webhooks/${provider}`,
      secret_setting: adapter.settings.secret,
      configured: adapter.enabled(this.deps.config),
      trigger_phrase: route.triggerPhrase,
      commands: route.commands.map(
        ({ source, command_id, ...rule }): StaticCommand => ({ ...rule, next_runs: nextRuns(rule.schedule), builtin: seeded.has(rule.name), overridden: seeded.has(rule.name) && source === 'user', command_id: command_id ?? null }),
      ),
    };
  }

  async setTriggerPhrase(provider: ProviderName, body: unknown) {
    const { trigger_phrase } = parseInput(StaticPatch, body, 'route');
    await this.ensureStaticRow(provider);
    await this.deps.repos.webhooks.update(staticId(provider), { trigger_phrase });
    return this.staticRoute(provider);
  }

  /** A user's rule on a built-in route; one named like a built-in overrides it until deleted. */
  async addStaticCommand(provider: ProviderName, body: unknown) {
    const input = validCommand(body, provider);
    if (await this.userRule(provider, input.name)) throw conflict(`a user command "${input.name}" already exists on /webhooks/${provider}; PATCH it instead`, 'name');
    await this.ensureStaticRow(provider);
    return commandView(await this.deps.repos.webhooks.createCommand(staticId(provider), input));
  }

  /** Changes a user's rule; changing a built-in makes an override seeded from it, which deleting restores. */
  async updateStaticCommand(provider: ProviderName, name: string, body: unknown) {
    const row = await this.userRule(provider, name);
    if (row) return commandView((await this.deps.repos.webhooks.updateCommand(staticId(provider), row.command_id, validCommand(body, provider, 'command', rowInput(row))))!);
    const seeded = this.routes.table(provider).commands.find((c) => c.name === name);
    if (!seeded) throw notFound(`command ${name} on /webhooks/${provider}`);
    const input = validCommand({ ...(body as object), name }, provider, 'command', inputOf(seeded, seeded.triggers.join(',')));
    await this.ensureStaticRow(provider);
    return commandView(await this.deps.repos.webhooks.createCommand(staticId(provider), input));
  }

  /** Deletes a user's rule; for an override this restores the built-in. Built-ins themselves cannot be deleted. */
  async deleteStaticCommand(provider: ProviderName, name: string): Promise<void> {
    const row = await this.userRule(provider, name);
    if (row) {
      await this.deps.repos.webhooks.deleteCommand(staticId(provider), row.command_id);
      return;
    }
    if (this.routes.table(provider).commands.some((c) => c.name === name)) {
      throw conflict(`${name} is a built-in command: it cannot be deleted, only overridden (POST a command with its name, or PATCH it) and restored`, 'name');
    }
    throw notFound(`command ${name} on /webhooks/${provider}`);
  }

  private async userRule(provider: ProviderName, name: string) {
    return (await this.deps.repos.webhooks.commands(staticId(provider))).find((r) => r.name === name);
  }

  private async ensureStaticRow(provider: ProviderName) {
    if (!(await this.deps.repos.webhooks.get(staticId(provider)))) {
      // The built-in route keeps its secret in the environment; this row only holds the user's settings.
      await this.deps.repos.webhooks.create({ webhook_id: staticId(provider), name: `${provider} (built-in route)`, provider, secret: '' });
    }
  }
}

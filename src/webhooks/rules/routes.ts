// Where a route's rules come from. A built-in route's are seeded from its table (builtin-commands.ts) and a user's
// rule of the same name overrides one until deleted; a user's webhook has only its own. Both come out as the same
// Rule, so one matcher and one pipeline serve them.
import type { Config } from '../../config.js';
import type { ProviderName } from '../../contracts/webhook-commands.js';
import type { Repositories } from '../../storage/repositories/index.js';
import type { WebhookCommandRow } from '../../storage/schema.js';
import { ruleOf } from '../engine.js';
import type { Route, Rule, RuleSet } from './types.js';

/** The id under which a built-in route's user commands, trigger phrase and deliveries are kept. */
export const staticId = (provider: string) => `static:${provider}`;

/** A built-in table's rules, as seeded into its route. */
export const seeded = (ruleSet: RuleSet): Rule[] => ruleSet.commands.map((c) => ({ ...c, source: 'builtin' as const }));

export class RouteRules {
  constructor(
    private readonly deps: { repos: Repositories; config: Pick<Config, 'WEBHOOK_TRIGGER_PHRASE'>; builtin: Readonly<Record<ProviderName, RuleSet>> },
  ) {}

  /** The built-in table of a provider (for the seeded rules a user may override and restore). */
  table(provider: ProviderName): RuleSet {
    return this.deps.builtin[provider];
  }

  /** A built-in route as it stands: the seeded rules, users' rules (a same-named one overrides), the phrase. */
  async builtin(provider: ProviderName): Promise<Route> {
    const { repos } = this.deps;
    const [row, userRows] = await Promise.all([repos.webhooks.get(staticId(provider)), repos.webhooks.commands(staticId(provider))]);
    return this.builtinOf(provider, row?.trigger_phrase ?? null, userRows);
  }

  /** A route from rows already read (a delivery reads them with its other lookups, delivery-screen.ts). */
  of(webhookId: string | null, provider: string, triggerPhrase: string | null, rows: WebhookCommandRow[]): Route {
    return webhookId ? this.webhookOf(webhookId, provider, rows) : this.builtinOf(provider as ProviderName, triggerPhrase, rows);
  }

  private builtinOf(provider: ProviderName, triggerPhrase: string | null, userRows: WebhookCommandRow[]): Route {
    const base = this.table(provider);
    const user = userRows.map(ruleOf);
    const names = new Set(user.map((c) => c.name));
    return {
      ...base,
      webhookId: null,
      addressing: 'phrase',
      triggerPhrase: triggerPhrase || this.deps.config.WEBHOOK_TRIGGER_PHRASE,
      commands: [...seeded(base).filter((c) => !names.has(c.name)), ...user],
    };
  }

  /** A user's webhook: its own rules, every matching one run. */
  async webhook(webhookId: string, provider: string): Promise<Route> {
    return this.webhookOf(webhookId, provider, await this.deps.repos.webhooks.commands(webhookId));
  }

  private webhookOf(webhookId: string, provider: string, rows: WebhookCommandRow[]): Route {
    const rules = rows.map(ruleOf);
    return { provider, webhookId, addressing: 'every', triggerPhrase: this.deps.config.WEBHOOK_TRIGGER_PHRASE, defaultCommand: '', autoTriggers: {}, commands: rules };
  }
}

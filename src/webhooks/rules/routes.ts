// Where a route's rules come from. A built-in route's are seeded from its table (builtin-commands.ts) and a user's
// rule of the same name overrides one until deleted; a user's webhook has only its own. Both come out as the same
// Rule, so one matcher and one pipeline serve them.
import type { Config } from '../../config.js';
import type { ProviderName } from '../../contracts/webhook-commands.js';
import type { Repositories } from '../../storage/repositories/index.js';
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
    const { repos, config } = this.deps;
    const base = this.table(provider);
    const [row, userRows] = await Promise.all([repos.webhooks.get(staticId(provider)), repos.webhooks.commands(staticId(provider))]);
    const user = userRows.map(ruleOf);
    const names = new Set(user.map((c) => c.name));
    return {
      ...base,
      webhookId: null,
      addressing: 'phrase',
      triggerPhrase: row?.trigger_phrase || config.WEBHOOK_TRIGGER_PHRASE,
      commands: [...seeded(base).filter((c) => !names.has(c.name)), ...user],
    };
  }

  /** A user's webhook: its own rules, every matching one run. */
  async webhook(webhookId: string, provider: string): Promise<Route> {
    const rules = (await this.deps.repos.webhooks.commands(webhookId)).map(ruleOf);
    return { provider, webhookId, addressing: 'every', triggerPhrase: this.deps.config.WEBHOOK_TRIGGER_PHRASE, defaultCommand: '', autoTriggers: {}, commands: rules };
  }
}

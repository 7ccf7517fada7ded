// A skill may carry the webhook it needs: `webhook_config: {"name": …, "provider": …, "commands": [ … ]}` in its
// SKILL.md frontmatter (a YAML mapping; one line of JSON is one). Writing the skill creates or updates that webhook
// config and makes its commands exactly the listed ones; deleting the skill, or dropping the field, deletes the
// webhook. Commands are checked like the webhook API checks them (CommandInput + commandProblems) before the skill is
// stored.
import { z } from 'zod';
import { validCommand, type WebhookConfigService } from '../webhooks/config-service.js';
import { type CommandInput, DYNAMIC_PROVIDERS } from '../webhooks/engine.js';
import { DomainError, invalid } from '../domain/errors.js';
import type { FrontmatterValue } from './frontmatter.js';

const WebhookConfigSpec = z.object({
  name: z.string().trim().min(1).max(200),
  provider: z.enum(DYNAMIC_PROVIDERS),
  enabled: z.boolean().default(true),
  commands: z.array(z.unknown()).max(50).default([]),
});

export interface SkillWebhookConfig {
  name: string;
  provider: (typeof DYNAMIC_PROVIDERS)[number];
  enabled: boolean;
  commands: CommandInput[];
}

/** The skill's webhook, validated; undefined when the frontmatter has none. Throws a 400 naming the field. */
export function parseSkillWebhook(value: FrontmatterValue | undefined): SkillWebhookConfig | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('skill', ['webhook_config: must be a mapping (YAML, or one line of JSON) with name, provider and commands']);
  }
  const parsed = WebhookConfigSpec.safeParse(value);
  if (!parsed.success) {
    throw invalid('skill', parsed.error.issues.map((i) => `webhook_config${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`));
  }
  const spec = parsed.data;
  const commands: CommandInput[] = [];
  const problems: string[] = [];
  spec.commands.forEach((body, i) => {
    const field = `webhook_config.commands[${i}]`;
    try {
      commands.push(validCommand(body, spec.provider, field));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      problems.push(...(err.info.problems ?? [err.message]).map((p) => (p.startsWith(field) ? p : `${field}.${p}`)));
    }
  });
  const names = commands.map((c) => c.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) problems.push(`webhook_config.commands: the name "${twice}" is used twice`);
  if (problems.length) throw invalid('skill', problems);
  return { name: spec.name, provider: spec.provider, enabled: spec.enabled, commands };
}

export interface SkillWebhookResult {
  webhook_id: string;
  endpoint_url: string;
  /** Only when the webhook was created now: its secret is shown this once. */
  secret?: string;
}

/** The webhook-configuration service's operations a skill's webhook goes through (checked and stored like the API's). */
export type SkillWebhookStore = Pick<WebhookConfigService, 'get' | 'create' | 'update' | 'delete' | 'addCommand' | 'updateCommand' | 'deleteCommand'>;

/** The webhook a skill links to, or undefined when it is gone (deleted by hand since). */
async function linkedWebhook(webhooks: SkillWebhookStore, linked: string | null) {
  if (!linked) return undefined;
  try {
    return await webhooks.get(linked);
  } catch (err) {
    if (err instanceof DomainError && err.code === 'not_found') return undefined;
    throw err;
  }
}

/** Makes the skill's webhook match its config (or removes it); returns the webhook id to link the skill to. */
export async function syncSkillWebhook(
  webhooks: SkillWebhookStore,
  linked: string | null,
  spec: SkillWebhookConfig | undefined,
): Promise<SkillWebhookResult | null> {
  let existing = await linkedWebhook(webhooks, linked);
  if (existing && (!spec || existing.provider !== spec.provider)) {
    // A webhook's provider decides how deliveries are verified; a new one gets a new endpoint and secret.
    await webhooks.delete(existing.webhook_id);
    existing = undefined;
  }
  if (!spec) return null;
  const { name, provider, enabled } = spec;
  const webhook = existing ? await webhooks.update(existing.webhook_id, { name, enabled }) : await webhooks.create({ name, provider, enabled });
  const current = existing?.commands ?? [];
  for (const command of spec.commands) {
    const same = current.find((c) => c.name === command.name);
    if (same) await webhooks.updateCommand(webhook.webhook_id, same.command_id, command);
    else await webhooks.addCommand(webhook.webhook_id, command);
  }
  for (const c of current) {
    if (!spec.commands.some((s) => s.name === c.name)) await webhooks.deleteCommand(webhook.webhook_id, c.command_id);
  }
  return { webhook_id: webhook.webhook_id, endpoint_url: webhook.endpoint_url, ...(webhook.secret ? { secret: webhook.secret } : {}) };
}

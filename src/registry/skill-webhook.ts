// A skill may carry the webhook it needs: `webhook_config: {"name": …, "provider": …, "commands": [ … ]}` in its
// SKILL.md frontmatter (a YAML mapping; one line of JSON is one). Writing the skill creates or updates that webhook
// config and makes its commands exactly the listed ones; deleting the skill, or dropping the field, deletes the
// webhook. Commands are checked like the webhook API checks them (CommandInput + commandProblems) before the skill is
// stored.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { validCommand, type WebhookStoreDeps } from '../webhooks/config-service.js';
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

/** Makes the skill's webhook match its config (or removes it); returns the webhook id to link the skill to. */
export async function syncSkillWebhook(
  deps: WebhookStoreDeps,
  linked: string | null,
  spec: SkillWebhookConfig | undefined,
): Promise<SkillWebhookResult | null> {
  const { repos } = deps;
  let existing = linked ? await repos.webhooks.get(linked) : undefined;
  if (!spec) {
    if (existing) await repos.webhooks.delete(existing.webhook_id);
    return null;
  }
  if (existing && existing.provider !== spec.provider) {
    // A webhook's provider decides how deliveries are verified; a new one gets a new endpoint and secret.
    await repos.webhooks.delete(existing.webhook_id);
    existing = undefined;
  }
  let secret: string | undefined;
  let webhookId: string;
  if (existing) {
    webhookId = existing.webhook_id;
    await repos.webhooks.update(webhookId, { name: spec.name, enabled: spec.enabled });
  } else {
    secret = randomBytes(24).toString('base64url');
    webhookId = (await repos.webhooks.create({ name: spec.name, provider: spec.provider, secret })).webhook_id;
    if (!spec.enabled) await repos.webhooks.update(webhookId, { enabled: false });
  }
  const current = await repos.webhooks.commands(webhookId);
  for (const command of spec.commands) {
    const same = current.find((c) => c.name === command.name);
    if (same) await repos.webhooks.updateCommand(webhookId, same.command_id, command);
    else await repos.webhooks.createCommand(webhookId, command);
  }
  for (const c of current) {
    if (!spec.commands.some((s) => s.name === c.name)) await repos.webhooks.deleteCommand(webhookId, c.command_id);
  }
  return { webhook_id: webhookId, endpoint_url: `${deps.publicBase()}/webhooks/${spec.provider}/${webhookId}`, ...(secret ? { secret } : {}) };
}

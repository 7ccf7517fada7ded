import { z } from 'zod';

/** The built-in routes, `/webhooks/{provider}`. */
export const PROVIDER_NAMES = ['github', 'jira', 'slack', 'sentry', 'gitlab'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
/** How a provider writes the number of a pull or merge request: '#7' unless it says otherwise (GitLab's '!7'). */
const CHANGE_REQUEST_SIGILS: Partial<Record<string, string>> = { gitlab: '!' };
/** 'owner/repo#7', 'group/project!7' come from `${repository}${changeRequestRef(provider, number)}`: the code hosts and the dashboard. */
export function changeRequestRef(provider: string, number: number): string {
  return `${CHANGE_REQUEST_SIGILS[provider] ?? '#'}${number}`;
}
/** Providers a user's webhook (`/webhooks/{provider}/{webhook_id}`) may be for. */
export const DYNAMIC_PROVIDERS = ['github', 'jira', 'slack', 'sentry', 'gitlab', 'generic'] as const;
export type DynamicProvider = (typeof DYNAMIC_PROVIDERS)[number];
/**
 * What a rule does once it matched and its sender may run it. `create_task` runs Claude Code; the others do not:
 * `help`, `status`, `approve`, `reject` and `continue` (link the thread into another flow) answer in the thread
 * directly (whether a rule runs the model is a property of the rule, not of its name), the rest call the provider.
 */
export const ACTIONS = ['create_task', 'comment', 'github_reaction', 'github_label', 'slack_message', 'help', 'status', 'approve', 'reject', 'continue'] as const;
export type Action = (typeof ACTIONS)[number];
/** The actions answered from the service itself, without a model run or a provider call of their own. */
export const ANSWER_ACTIONS = ['help', 'status', 'approve', 'reject', 'continue'] as const satisfies readonly Action[];

/** true: always waits for approval; 'non-maintainers': only when the sender is not a maintainer. */
export const NeedsApproval = z.union([z.boolean(), z.literal('non-maintainers')]);
export type NeedsApproval = z.infer<typeof NeedsApproval>;

export const PermissionMode = z.enum(['default', 'acceptEdits', 'plan', 'dontAsk']);
export type PermissionMode = z.infer<typeof PermissionMode>;

export const CommandPermissions = z.object({
  permission_mode: PermissionMode,
  allowed_tools: z.array(z.string().min(1)).optional(),
  disallowed_tools: z.array(z.string().min(1)).optional(),
});

const word = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/i, 'must be one word of letters, digits, "-" or "_"');

/** A command's fields as the API accepts them, without defaults (a PATCH sends only what changes). */
const commandFields = {
  name: word,
  trigger: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .regex(/^(\*|[A-Za-z0-9_:.-]+)(\s*,\s*[A-Za-z0-9_:.-]+)*$/, 'must be an event type (issues.opened, jira:issue_created, app_mention…), a comma list of them, or *'),
  aliases: z.array(word).max(20),
  description: z.string().max(500).nullable(),
  /** A condition tree (see the README): checked beyond its shape when saved. */
  conditions: z.unknown().nullable(),
  action: z.enum(ACTIONS),
  agent: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be an agent name (lowercase letters, digits, dashes)').nullable(),
  template: z.string().max(20_000).nullable(),
  options: z.record(z.string(), z.unknown()).nullable(),
  priority: z.number().int().min(0).max(100_000),
  permissions: CommandPermissions.nullable(),
  needs_approval: NeedsApproval,
  stop_after_match: z.boolean(),
  enabled: z.boolean(),
  /** A cron expression (5 or 6 fields, UTC, croner syntax): the rule also fires on this schedule. Checked on save. */
  schedule: z.string().trim().min(1).max(200).nullable(),
};

/** A command as the API accepts it. Conditions, templates and options are checked beyond their shape on save. */
export const CommandInput = z
  .object({
    ...commandFields,
    aliases: commandFields.aliases.default([]),
    description: commandFields.description.default(null),
    conditions: commandFields.conditions.default(null),
    action: commandFields.action.default('create_task'),
    agent: commandFields.agent.default(null),
    template: commandFields.template.default(null),
    options: commandFields.options.default(null),
    priority: commandFields.priority.default(100),
    permissions: commandFields.permissions.default(null),
    needs_approval: commandFields.needs_approval.default(false),
    stop_after_match: commandFields.stop_after_match.default(false),
    enabled: commandFields.enabled.default(true),
    schedule: commandFields.schedule.default(null),
  })
  .meta({ title: 'command' });
export type CommandInput = z.infer<typeof CommandInput>;

/** A PATCH of a command: the fields to change, merged over the stored command and checked whole. */
export const CommandPatch = z.object(commandFields).partial().meta({ title: 'command' });

// The fields a stored command and a built-in route's rule both show, in the order they are listed.
/** What a rule does when it matches. */
const ruleBody = {
  conditions: z.unknown(),
  action: z.enum(ACTIONS),
  agent: z.string().nullable(),
  template: z.string(),
  options: z.record(z.string(), z.unknown()),
  priority: z.number(),
};
/** Whether it waits for approval, ends the matching, is on, and when it fires by schedule. */
const ruleState = {
  needs_approval: NeedsApproval,
  stop_after_match: z.boolean(),
  enabled: z.boolean(),
  schedule: z.string().nullable(),
  /** The next times a scheduled rule fires (ISO, UTC); empty without a schedule. */
  next_runs: z.array(z.string()),
};

/** A user's command as stored. */
export const Command = z.object({
  command_id: z.string(),
  name: z.string(),
  trigger: z.string(),
  triggers: z.array(z.string()),
  aliases: z.array(z.string()),
  description: z.string().nullable(),
  ...ruleBody,
  permissions: CommandPermissions.nullable(),
  ...ruleState,
  created_at: z.string(),
});
export type Command = z.infer<typeof Command>;

export const CommandList = z.object({ commands: z.array(Command) });

/** A rule of a built-in route: seeded from the built-in table, or a user's (`builtin: false`, or `overridden`). */
export const StaticCommand = z.object({
  name: z.string(),
  aliases: z.array(z.string()),
  description: z.string(),
  triggers: z.array(z.string()),
  ...ruleBody,
  permissions: CommandPermissions,
  ...ruleState,
  builtin: z.boolean(),
  overridden: z.boolean(),
  command_id: z.string().nullable(),
});
export type StaticCommand = z.infer<typeof StaticCommand>;

export const StaticRoute = z.object({
  provider: z.enum(PROVIDER_NAMES),
  endpoint_url: z.string(),
  secret_setting: z.string(),
  configured: z.boolean(),
  trigger_phrase: z.string().nullable(),
  commands: z.array(StaticCommand),
});
export type StaticRoute = z.infer<typeof StaticRoute>;

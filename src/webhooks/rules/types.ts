// Commands as data. The built-in tables and (later) user-defined rules share these schemas, so a rule set read from
// the database is checked by the same code as the ones compiled in.
import { z } from 'zod';

import { ACTIONS, NeedsApproval, PermissionMode } from '../../contracts/webhook-commands.js';
import type { Condition } from './conditions.js';

export { PermissionMode };

/** One word, so "the first word after the trigger phrase" can name it. */
const CommandWord = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*$/i, 'must be one word of letters, digits, "-" or "_"');

/**
 * One rule, the one command model: the built-in tables are written in it (seeded into each built-in route, where a
 * user's rule of the same name overrides one until deleted) and a user's rules are read from the database into it.
 * Every delivery runs the same steps over a route's rules: address → match → conditions → permission → approval →
 * action (src/webhooks/delivery-rules.ts).
 */
export const CommandSpec = z.object({
  name: CommandWord,
  aliases: z.array(CommandWord).default([]),
  description: z.string().min(1),
  /** Event types this rule applies to ('issue_comment.created', 'app_mention', …), or '*'. */
  triggers: z.array(z.string().min(1)).min(1),
  /** A condition tree over the payload, headers and event (conditions.ts); null: always. */
  conditions: z.custom<Condition>().nullable().default(null),
  /** What it does: create_task runs the model; help, status, approve and reject answer directly; the rest call the provider. */
  action: z.enum(ACTIONS).default('create_task'),
  /** Claude Code agent to run as (`--agent`), e.g. 'github-pr-review'; null for the default. */
  agent: z.string().min(1).nullable(),
  /** Prompt or message template (see template.ts). Empty for rules that answer directly. */
  template: z.string(),
  /** Per action: labels, reaction, channel, wrap_with_brain (false: the prompt is not wrapped with the standing instructions). */
  options: z.record(z.string(), z.unknown()).default({}),
  /** Lower first, where a route runs every matching rule (a user's webhook). */
  priority: z.number().default(100),
  permissions: z.object({
    permission_mode: PermissionMode,
    allowed_tools: z.array(z.string().min(1)).optional(),
    disallowed_tools: z.array(z.string().min(1)).optional(),
  }),
  /** true: always waits for approval; 'non-maintainers': only when the requester is not a maintainer. */
  needs_approval: NeedsApproval,
  /** A matching rule with this set ends the evaluation of the rest. */
  stop_after_match: z.boolean().default(false),
  enabled: z.boolean().default(true),
  /** A cron expression: the rule also fires on this schedule (src/webhooks/scheduler.ts); null: deliveries only. */
  schedule: z.string().nullable().default(null),
});
export type CommandSpec = z.infer<typeof CommandSpec>;
/** A rule as a table writes it, defaults left out. */
export type CommandSpecInput = z.input<typeof CommandSpec>;

/** A rule of a route: where it came from, and its id when it is a user's. */
export type Rule = CommandSpec & { source: 'builtin' | 'user'; command_id?: string };

export const RuleSet = z.object({
  provider: z.string().min(1),
  /** e.g. '@agent'; matched case-insensitively at a word boundary. */
  triggerPhrase: z.string().trim().min(1),
  commands: z.array(CommandSpec).min(1),
  /** Name used when the trigger phrase is not followed by a known command. */
  defaultCommand: z.string().min(1),
  /** Event type → command that runs without a trigger phrase, e.g. 'event_alert.triggered' → 'analyze'. */
  autoTriggers: z.record(z.string(), z.string()),
});
export type RuleSet = z.infer<typeof RuleSet>;
/** A rule set as a table writes it, defaults left out. */
export type RuleSetInput = z.input<typeof RuleSet>;

/**
 * The rules a delivery is matched against. A built-in route (`webhookId` null) is addressed by its trigger phrase and
 * runs the one rule named; a user's webhook runs every rule that matches.
 */
export interface Route extends Omit<RuleSet, 'commands'> {
  webhookId: string | null;
  addressing: 'phrase' | 'every';
  commands: Rule[];
}

export type MatchResult =
  | {
      matched: true;
      command: CommandSpec;
      userContent: string;
      newConversation: boolean;
      /** A sentence for the delivery inspector. */
      explanation: string;
      /** What selected the command: the phrase, an event already addressed to the bot, an auto trigger, a button. */
      via: 'phrase' | 'addressed' | 'auto' | 'action';
    }
  | { matched: false; reason: string };

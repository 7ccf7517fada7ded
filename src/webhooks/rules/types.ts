// Commands as data. The built-in tables and (later) user-defined rules share these schemas, so a rule set read from
// the database is checked by the same code as the ones compiled in.
import { z } from 'zod';

import { PermissionMode } from '../../contracts/webhook-commands.js';

export { PermissionMode };

/** One word, so "the first word after the trigger phrase" can name it. */
const CommandWord = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*$/i, 'must be one word of letters, digits, "-" or "_"');

export const CommandSpec = z.object({
  name: CommandWord,
  aliases: z.array(CommandWord),
  description: z.string().min(1),
  /** Event types this command applies to ('issue_comment.created', 'app_mention', …). */
  triggers: z.array(z.string().min(1)).min(1),
  /** Claude Code agent to run as (`--agent`), e.g. 'github-pr-review'; null for the default. */
  agent: z.string().min(1).nullable(),
  /** Prompt template (see template.ts). Empty for commands that never reach the model. */
  template: z.string(),
  permissions: z.object({
    permission_mode: PermissionMode,
    allowed_tools: z.array(z.string().min(1)).optional(),
    disallowed_tools: z.array(z.string().min(1)).optional(),
  }),
  /** true: always waits for approval; 'non-maintainers': only when the requester lacks write access. */
  needs_approval: z.union([z.boolean(), z.literal('non-maintainers')]),
  /** help is answered from the table, no model run. */
  answers_directly: z.literal('help').optional(),
  /** The approve/reject commands act on a waiting task instead of creating one. */
  approval_command: z.enum(['approve', 'reject']).optional(),
  /** Wrap the rendered prompt with the service's standing instructions (the seed's "brain"). */
  wrap_with_brain: z.boolean().optional(),
});
export type CommandSpec = z.infer<typeof CommandSpec>;

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

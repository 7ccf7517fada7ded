import { z } from 'zod';
import { RunSettings, WorkspaceChoice } from './run-settings.js';

export const ConversationCreate = RunSettings.extend({ title: z.string().trim().min(1).max(200).optional(), workspace: WorkspaceChoice.optional() }).meta({
  title: 'conversation',
});
export type ConversationCreate = z.infer<typeof ConversationCreate>;
export const ConversationPatch = RunSettings.extend({ title: z.string().trim().min(1).max(200).optional(), archived: z.boolean().optional() })
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'nothing to change: send title, archived, agent, model or permission_mode')
  .meta({ title: 'conversation' });
export const ConversationListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
  archived: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  source: z.string().optional(),
  /** `chat`: started in the dashboard; `thread`: a provider's thread (an issue, a Slack thread, an alert). */
  kind: z.enum(['chat', 'thread']).optional(),
  /** Words in the title, any case; matched literally (`%` and `_` are not wildcards). */
  q: z.string().trim().min(1).max(200).optional(),
});
export const MessagesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.string().optional(),
});

export const Conversation = z.object({
  conversation_id: z.string(),
  title: z.string(),
  user_id: z.string().nullable(),
  flow_id: z.string().nullable(),
  source: z.string(),
  claude_session_id: z.string().nullable(),
  /** What every turn runs with (null: the service's default), as chosen in the composer. */
  agent: z.string().nullable(),
  model: z.string().nullable(),
  permission_mode: z.string().nullable(),
  /** Where the turns run: `ref` is the folder (`path`) or the clone URL (`repository`); null for `empty`. */
  workspace: z.object({ kind: z.enum(['empty', 'path', 'repository']), ref: z.string().nullable() }),
  archived: z.boolean(),
  total_cost_usd: z.number(),
  task_count: z.number(),
  message_count: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Conversation = z.infer<typeof Conversation>;

export const ConversationPage = z.object({ conversations: z.array(Conversation), next_cursor: z.string().nullable() });
export type ConversationPage = z.infer<typeof ConversationPage>;

export const Message = z.object({
  message_id: z.string(),
  conversation_id: z.string(),
  task_id: z.string().nullable(),
  role: z.enum(['user', 'assistant', 'system']),
  content: z.string(),
  /** An assistant message says how its task ended. */
  metadata: z.looseObject({ status: z.string().optional(), outcome: z.string().nullable().optional(), cost_usd: z.number().optional() }).nullable(),
  created_at: z.string(),
});
export type Message = z.infer<typeof Message>;

export const MessagePage = z.object({ messages: z.array(Message), before_cursor: z.string().nullable() });
export type MessagePage = z.infer<typeof MessagePage>;

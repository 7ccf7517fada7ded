import { z } from 'zod';
import { TASK_STATUSES } from '../domain/task-status.js';

export const ChatRequest = z.object({
  message: z.string().trim().min(1, 'must not be empty').max(100_000),
  conversation_id: z.string().min(1).max(100).optional(),
  /** A registry agent, or one of Claude Code's own (Explore, Plan, general-purpose…); checked against both. */
  agent: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be an agent name (letters, digits and dashes)').optional(),
  model: z.string().min(1).max(100).regex(/^[A-Za-z0-9._\-[\]]+$/, 'is not a model name').optional(),
  session_id: z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/).optional(),
  /** Per-task spending limit in USD; the run is stopped when it crosses it. */
  max_budget_usd: z.number().positive().max(10_000).optional(),
});
export type ChatRequest = z.infer<typeof ChatRequest>;

export const ChatResponse = z.object({ task_id: z.string(), conversation_id: z.string() });
export type ChatResponse = z.infer<typeof ChatResponse>;

const csv = <T extends z.ZodTypeAny>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').filter(Boolean) : v), z.array(item));

export const TaskListQuery = z.object({
  status: csv(z.enum(TASK_STATUSES)).optional(),
  conversation_id: z.string().optional(),
  session_id: z.string().optional(),
  source: z.string().optional(),
  flow_id: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});

export const EventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const ConversationCreate = z.object({ title: z.string().trim().min(1).max(200).optional() });
export const ConversationPatch = z
  .object({ title: z.string().trim().min(1).max(200).optional(), archived: z.boolean().optional() })
  .refine((p) => p.title !== undefined || p.archived !== undefined, 'nothing to change: send title or archived');
export const ConversationListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
  archived: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  source: z.string().optional(),
});
export const MessagesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.string().optional(),
});

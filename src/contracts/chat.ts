import { z } from 'zod';

export const ChatRequest = z
  .object({
    message: z.string().trim().min(1, 'must not be empty').max(100_000),
    conversation_id: z.string().min(1).max(100).optional(),
    /** A registry agent, or one of Claude Code's own (Explore, Plan, general-purpose…); checked against both. */
    agent: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be an agent name (letters, digits and dashes)').optional(),
    model: z.string().min(1).max(100).regex(/^[A-Za-z0-9._\-[\]]+$/, 'is not a model name').optional(),
    session_id: z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/).optional(),
    /** Per-task spending limit in USD; the run is stopped when it crosses it. */
    max_budget_usd: z.number().positive().max(10_000).optional(),
  })
  .meta({ title: 'chat request' });
export type ChatRequest = z.infer<typeof ChatRequest>;

export const ChatResponse = z.object({ task_id: z.string(), conversation_id: z.string() });
export type ChatResponse = z.infer<typeof ChatResponse>;

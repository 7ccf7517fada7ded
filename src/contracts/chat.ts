import { z } from 'zod';
import { RunSettings, WorkspaceChoice } from './run-settings.js';

export const ChatRequest = RunSettings.extend({
  message: z.string().trim().min(1, 'must not be empty').max(100_000),
  conversation_id: z.string().min(1).max(100).optional(),
  session_id: z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/).optional(),
  /** Per-task spending limit in USD; the run is stopped when it crosses it. */
  max_budget_usd: z.number().positive().max(10_000).optional(),
  /** Only when starting a conversation (no conversation_id): where its turns run. Default: an empty folder. */
  workspace: WorkspaceChoice.optional(),
}).meta({ title: 'chat request' });
export type ChatRequest = z.infer<typeof ChatRequest>;

export const ChatResponse = z.object({ task_id: z.string(), conversation_id: z.string() });
export type ChatResponse = z.infer<typeof ChatResponse>;

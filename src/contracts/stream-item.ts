import { z } from 'zod';

/**
 * One step of a run as the dashboard, the progress comments and the replay API see it: Claude Code's stream-json
 * messages split per content block and trimmed to what a reader needs. `status` items are the service's own notes
 * (queued, retrying, stopping); `stderr` carries the CLI's error output.
 */
export const StreamItem = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('init'),
    session_id: z.string(),
    model: z.string().optional(),
    cwd: z.string().optional(),
    tools: z.array(z.string()),
    agents: z.array(z.string()),
    skills: z.array(z.string()),
    mcp_servers: z.array(z.string()),
    permission_mode: z.string().optional(),
  }),
  z.object({ kind: z.literal('text'), text: z.string(), parent_tool_use_id: z.string().nullable().optional() }),
  /** A piece of text as the model produces it (the whole block follows as `text` when it ends). */
  z.object({ kind: z.literal('text_delta'), text: z.string() }),
  z.object({ kind: z.literal('thinking'), text: z.string() }),
  z.object({
    kind: z.literal('tool_use'),
    id: z.string(),
    name: z.string(),
    input: z.unknown(),
    parent_tool_use_id: z.string().nullable().optional(),
  }),
  z.object({
    kind: z.literal('tool_result'),
    tool_use_id: z.string(),
    content: z.string(),
    is_error: z.boolean(),
    truncated: z.boolean().optional(),
  }),
  z.object({
    kind: z.literal('result'),
    subtype: z.string(),
    is_error: z.boolean(),
    result: z.string().optional(),
    errors: z.array(z.string()).optional(),
    total_cost_usd: z.number(),
    num_turns: z.number(),
    duration_ms: z.number(),
    session_id: z.string().optional(),
    usage: z.object({
      input_tokens: z.number(),
      output_tokens: z.number(),
      cache_read_input_tokens: z.number(),
      cache_creation_input_tokens: z.number(),
    }),
    permission_denials: z.array(z.unknown()).optional(),
  }),
  z.object({ kind: z.literal('status'), message: z.string() }),
  z.object({ kind: z.literal('stderr'), text: z.string() }),
]);
export type StreamItem = z.infer<typeof StreamItem>;
export type ResultItem = Extract<StreamItem, { kind: 'result' }>;

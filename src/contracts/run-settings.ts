import { z } from 'zod';
import { PermissionMode } from './webhook-commands.js';

/** A registry agent, or one of Claude Code's own (Explore, Plan, general-purpose…); the route checks it exists. */
export const AgentName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be an agent name (letters, digits and dashes)');
/** A model name or alias; the route checks it against the known models (src/domain/models.ts). */
export const ModelName = z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9._\-[\]]+$/, 'is not a model name');

/**
 * What a conversation's turns run with, chosen in the composer and kept on the conversation. In a request, a field
 * left out keeps the conversation's choice; null goes back to the service's default.
 */
export const RunSettings = z.object({
  agent: AgentName.nullable().optional(),
  model: ModelName.nullable().optional(),
  permission_mode: PermissionMode.nullable().optional(),
});
export type RunSettings = z.infer<typeof RunSettings>;

/**
 * Where a conversation's turns run, chosen when it starts: a folder of its own (`empty`), a folder under one of the
 * operator's WORKSPACE_ROOTS (`path`), or a checkout of a repository (`repository`, an http(s) clone URL).
 */
export const WorkspaceChoice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('empty') }),
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('repository'), url: z.string().min(1).max(2000) }),
]);
export type WorkspaceChoice = z.infer<typeof WorkspaceChoice>;

/** What the composer offers: the known models and aliases, permission modes, and the operator's workspace roots. */
export const ChatOptions = z.object({
  models: z.array(z.string()),
  aliases: z.record(z.string(), z.string()),
  default_model: z.string(),
  permission_modes: z.array(PermissionMode),
  default_permission_mode: z.string(),
  workspace_roots: z.array(z.string()),
});
export type ChatOptions = z.infer<typeof ChatOptions>;

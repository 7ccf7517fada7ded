import { z } from 'zod';

/** A path inside a conversation's workspace, relative to it ('' or absent: the workspace itself). */
export const WorkspacePathQuery = z.object({ path: z.string().max(4096).default('') });

export const WorkspaceEntry = z.object({
  name: z.string(),
  /** Relative to the workspace. */
  path: z.string(),
  type: z.enum(['file', 'directory', 'symlink', 'other']),
  size: z.number(),
  modified_at: z.string(),
});
export type WorkspaceEntry = z.infer<typeof WorkspaceEntry>;

export const WorkspaceListing = z.object({ path: z.string(), entries: z.array(WorkspaceEntry) });
export type WorkspaceListing = z.infer<typeof WorkspaceListing>;

export const WorkspaceFile = z.object({
  path: z.string(),
  size: z.number(),
  /** The text, up to the first 256 KB; null for a binary file. */
  content: z.string().nullable(),
  truncated: z.boolean(),
  binary: z.boolean(),
});
export type WorkspaceFile = z.infer<typeof WorkspaceFile>;

import type { Generated, Selectable } from 'kysely';
import type { Flag, Json } from './columns.js';

// The agent/skill registry, which skills a task used, and the MCP grants of dashboard runs.

/** An agent of the registry: the whole markdown file. A built-in keeps its shipped content for restore. */
export interface RegistryAgentTable {
  name: string;
  content: string;
  builtin: Generated<Flag>;
  overridden: Generated<Flag>;
  shipped_content: string | null;
  created_at: number;
  updated_at: number;
}

export type RegistryAgentRow = Selectable<RegistryAgentTable>;

/** A skill of the registry: a folder, as JSON `{ "SKILL.md": "…", "reference.md": "…" }`. */
export interface RegistrySkillTable {
  name: string;
  files: Json;
  builtin: Generated<Flag>;
  overridden: Generated<Flag>;
  shipped_files: Json | null;
  webhook_id: string | null;
  created_at: number;
  updated_at: number;
}

export type RegistrySkillRow = Selectable<RegistrySkillTable>;

export interface RegistryMetaTable {
  key: string;
  value: number;
}

export interface TaskSkillTable {
  task_id: string;
  skill: string;
  uses: Generated<number>;
  created_at: number;
}

export interface McpGrantTable {
  token_hash: string;
  task_id: string;
  created_at: number;
  expires_at: number;
}

import type { RegistryAgentRow, RegistrySkillRow } from '../schema.js';

export type SkillFiles = Record<string, string>;

export interface AgentRecord {
  name: string;
  content: string;
  builtin: boolean;
  overridden: boolean;
  shipped_content: string | null;
  created_at: number;
  updated_at: number;
}

export interface SkillRecord {
  name: string;
  files: SkillFiles;
  builtin: boolean;
  overridden: boolean;
  shipped_files: SkillFiles | null;
  webhook_id: string | null;
  created_at: number;
  updated_at: number;
}

/** The registry's size: what limits are checked against. */
export interface RegistryFootprint {
  agents: number;
  skills: number;
  /** Bytes of the agents' content and of the skills' stored files (JSON). */
  bytes: number;
}

/** Told the footprint before and after a write, under the registry's write lock; throws to refuse the write. */
export type FootprintGuard = (before: RegistryFootprint, after: RegistryFootprint) => void;

/** What seeding found for one shipped default. */
export type SeedResult = 'inserted' | 'updated' | 'unchanged' | 'adopted';

export const agentRecord = (r: RegistryAgentRow): AgentRecord => ({
  name: r.name,
  content: r.content,
  builtin: r.builtin === 1,
  overridden: r.overridden === 1,
  shipped_content: r.shipped_content,
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
});

export const skillRecord = (r: RegistrySkillRow): SkillRecord => ({
  name: r.name,
  files: JSON.parse(r.files) as SkillFiles,
  builtin: r.builtin === 1,
  overridden: r.overridden === 1,
  shipped_files: r.shipped_files === null ? null : (JSON.parse(r.shipped_files) as SkillFiles),
  webhook_id: r.webhook_id,
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
});

/** Stable JSON of a skill's files (sorted paths), so equal folders compare equal as text. */
export function filesJson(files: SkillFiles): string {
  return JSON.stringify(Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}


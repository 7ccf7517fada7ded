import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, RegistryAgentRow, RegistrySkillRow } from '../schema.js';

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

/** What seeding found for one shipped default. */
export type SeedResult = 'inserted' | 'updated' | 'unchanged' | 'adopted';

const agentRecord = (r: RegistryAgentRow): AgentRecord => ({
  name: r.name,
  content: r.content,
  builtin: r.builtin === 1,
  overridden: r.overridden === 1,
  shipped_content: r.shipped_content,
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
});

const skillRecord = (r: RegistrySkillRow): SkillRecord => ({
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

/**
 * Agents and skills, and the registry's version: every write moves `registry_meta.version` in the same transaction,
 * so a worker learns whether its materialised copy is current from one row.
 */
export class RegistryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async version(): Promise<number> {
    const row = await this.db.selectFrom('registry_meta').select('value').where('key', '=', 'version').executeTakeFirst();
    return Number(row?.value ?? 0);
  }

  private bump(trx: Transaction<Database>): Promise<unknown> {
    return trx
      .updateTable('registry_meta')
      .set({ value: sql`value + 1` })
      .where('key', '=', 'version')
      .execute();
  }

  /** Runs `fn` in a transaction that also moves the version (when `fn` says it changed something). */
  private write<T>(fn: (trx: Transaction<Database>) => Promise<{ changed: boolean; value: T }>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      const { changed, value } = await fn(trx);
      if (changed) await this.bump(trx);
      return value;
    });
  }

  // ---- agents ----

  async listAgents(): Promise<AgentRecord[]> {
    return (await this.db.selectFrom('registry_agents').selectAll().orderBy('name').execute()).map(agentRecord);
  }

  async getAgent(name: string): Promise<AgentRecord | undefined> {
    const row = await this.db.selectFrom('registry_agents').selectAll().where('name', '=', name).executeTakeFirst();
    return row && agentRecord(row);
  }

  /** Inserts a user agent; false when the name is taken. */
  createAgent(name: string, content: string, now = Date.now()): Promise<boolean> {
    return this.write(async (trx) => {
      const res = await trx
        .insertInto('registry_agents')
        .values({ name, content, builtin: 0, overridden: 0, shipped_content: null, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      const changed = Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
      return { changed, value: changed };
    });
  }

  /** Replaces an agent's content; a built-in counts as overridden unless the content is its shipped one. */
  updateAgent(name: string, content: string, now = Date.now()): Promise<AgentRecord | undefined> {
    return this.write(async (trx) => {
      const row = await trx.selectFrom('registry_agents').selectAll().where('name', '=', name).executeTakeFirst();
      if (!row) return { changed: false, value: undefined };
      const overridden = row.builtin === 1 && content !== row.shipped_content ? 1 : 0;
      const updated = await trx
        .updateTable('registry_agents')
        .set({ content, overridden, updated_at: now })
        .where('name', '=', name)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { changed: true, value: agentRecord(updated) };
    });
  }

  deleteAgent(name: string): Promise<boolean> {
    return this.write(async (trx) => {
      const res = await trx.deleteFrom('registry_agents').where('name', '=', name).executeTakeFirst();
      const changed = Number(res.numDeletedRows) > 0;
      return { changed, value: changed };
    });
  }

  /**
   * A shipped default: inserted when missing; a pristine built-in follows a changed shipped content; an overridden
   * one keeps the user's content and only learns the new shipped content (for restore); a user agent of the same
   * name becomes an override of the new built-in.
   */
  seedAgent(name: string, shipped: string, now = Date.now()): Promise<SeedResult> {
    return this.write(async (trx) => {
      const row = await trx.selectFrom('registry_agents').selectAll().where('name', '=', name).executeTakeFirst();
      if (!row) {
        const res = await trx
          .insertInto('registry_agents')
          .values({ name, content: shipped, builtin: 1, overridden: 0, shipped_content: shipped, created_at: now, updated_at: now })
          .onConflict((oc) => oc.column('name').doNothing())
          .executeTakeFirst();
        const inserted = Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
        return { changed: inserted, value: inserted ? 'inserted' : 'unchanged' };
      }
      if (row.builtin === 1 && row.shipped_content === shipped) return { changed: false, value: 'unchanged' };
      const pristine = row.builtin === 1 && row.overridden === 0;
      const content = pristine ? shipped : row.content;
      await trx
        .updateTable('registry_agents')
        .set({ builtin: 1, shipped_content: shipped, content, overridden: content === shipped ? 0 : 1, updated_at: now })
        .where('name', '=', name)
        .execute();
      return { changed: true, value: row.builtin === 1 ? 'updated' : 'adopted' };
    });
  }

  /** Built-ins the running release no longer ships: a pristine one goes, an overridden one stays as a user agent. */
  retireAgents(shippedNames: string[], now = Date.now()): Promise<string[]> {
    return this.write(async (trx) => {
      const rows = await trx.selectFrom('registry_agents').select(['name', 'overridden']).where('builtin', '=', 1).execute();
      const retired = rows.filter((r) => !shippedNames.includes(r.name));
      for (const r of retired) {
        if (r.overridden === 1) {
          await trx.updateTable('registry_agents').set({ builtin: 0, overridden: 0, shipped_content: null, updated_at: now }).where('name', '=', r.name).execute();
        } else {
          await trx.deleteFrom('registry_agents').where('name', '=', r.name).execute();
        }
      }
      return { changed: retired.length > 0, value: retired.map((r) => r.name) };
    });
  }

  // ---- skills ----

  async listSkills(): Promise<SkillRecord[]> {
    return (await this.db.selectFrom('registry_skills').selectAll().orderBy('name').execute()).map(skillRecord);
  }

  async getSkill(name: string): Promise<SkillRecord | undefined> {
    const row = await this.db.selectFrom('registry_skills').selectAll().where('name', '=', name).executeTakeFirst();
    return row && skillRecord(row);
  }

  createSkill(name: string, files: SkillFiles, now = Date.now()): Promise<boolean> {
    return this.write(async (trx) => {
      const res = await trx
        .insertInto('registry_skills')
        .values({ name, files: filesJson(files), builtin: 0, overridden: 0, shipped_files: null, webhook_id: null, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      const changed = Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
      return { changed, value: changed };
    });
  }

  updateSkill(name: string, files: SkillFiles, now = Date.now()): Promise<SkillRecord | undefined> {
    return this.write(async (trx) => {
      const row = await trx.selectFrom('registry_skills').selectAll().where('name', '=', name).executeTakeFirst();
      if (!row) return { changed: false, value: undefined };
      const json = filesJson(files);
      const overridden = row.builtin === 1 && json !== row.shipped_files ? 1 : 0;
      const updated = await trx
        .updateTable('registry_skills')
        .set({ files: json, overridden, updated_at: now })
        .where('name', '=', name)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { changed: true, value: skillRecord(updated) };
    });
  }

  /** Links a skill to the webhook its `webhook_config` manages (not a registry change: the files are the same). */
  async setSkillWebhook(name: string, webhookId: string | null): Promise<void> {
    await this.db.updateTable('registry_skills').set({ webhook_id: webhookId }).where('name', '=', name).execute();
  }

  deleteSkill(name: string): Promise<boolean> {
    return this.write(async (trx) => {
      const res = await trx.deleteFrom('registry_skills').where('name', '=', name).executeTakeFirst();
      const changed = Number(res.numDeletedRows) > 0;
      return { changed, value: changed };
    });
  }

  seedSkill(name: string, shipped: SkillFiles, now = Date.now()): Promise<SeedResult> {
    const json = filesJson(shipped);
    return this.write(async (trx) => {
      const row = await trx.selectFrom('registry_skills').selectAll().where('name', '=', name).executeTakeFirst();
      if (!row) {
        const res = await trx
          .insertInto('registry_skills')
          .values({ name, files: json, builtin: 1, overridden: 0, shipped_files: json, webhook_id: null, created_at: now, updated_at: now })
          .onConflict((oc) => oc.column('name').doNothing())
          .executeTakeFirst();
        const inserted = Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
        return { changed: inserted, value: inserted ? 'inserted' : 'unchanged' };
      }
      if (row.builtin === 1 && row.shipped_files === json) return { changed: false, value: 'unchanged' };
      const pristine = row.builtin === 1 && row.overridden === 0;
      const files = pristine ? json : row.files;
      await trx
        .updateTable('registry_skills')
        .set({ builtin: 1, shipped_files: json, files, overridden: files === json ? 0 : 1, updated_at: now })
        .where('name', '=', name)
        .execute();
      return { changed: true, value: row.builtin === 1 ? 'updated' : 'adopted' };
    });
  }

  retireSkills(shippedNames: string[], now = Date.now()): Promise<string[]> {
    return this.write(async (trx) => {
      const rows = await trx.selectFrom('registry_skills').select(['name', 'overridden']).where('builtin', '=', 1).execute();
      const retired = rows.filter((r) => !shippedNames.includes(r.name));
      for (const r of retired) {
        if (r.overridden === 1) {
          await trx.updateTable('registry_skills').set({ builtin: 0, overridden: 0, shipped_files: null, updated_at: now }).where('name', '=', r.name).execute();
        } else {
          await trx.deleteFrom('registry_skills').where('name', '=', r.name).execute();
        }
      }
      return { changed: retired.length > 0, value: retired.map((r) => r.name) };
    });
  }

  /** Everything a worker writes to disk, with the version it belongs to (read in one transaction). */
  snapshot(): Promise<{ version: number; agents: AgentRecord[]; skills: SkillRecord[] }> {
    return this.db.transaction().execute(async (trx) => {
      const version = await trx.selectFrom('registry_meta').select('value').where('key', '=', 'version').executeTakeFirst();
      const agents = await trx.selectFrom('registry_agents').selectAll().orderBy('name').execute();
      const skills = await trx.selectFrom('registry_skills').selectAll().orderBy('name').execute();
      return { version: Number(version?.value ?? 0), agents: agents.map(agentRecord), skills: skills.map(skillRecord) };
    });
  }
}

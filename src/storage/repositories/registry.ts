import type { Kysely } from 'kysely';
import { prepared } from '../prepared.js';
import type { Database } from '../schema.js';
import {
  type AgentRecord,
  agentRecord,
  type FootprintGuard,
  filesJson,
  type SeedResult,
  type SkillFiles,
  type SkillRecord,
  skillRecord,
} from './registry-records.js';
import { checkFootprint, registryWrite, type WriteBody } from './registry-write.js';

export type { AgentRecord, FootprintGuard, RegistryFootprint, SeedResult, SkillFiles, SkillRecord } from './registry-records.js';
export { filesJson } from './registry-records.js';

const bytes = (text: string) => Buffer.byteLength(text);

// Read for every webhook task (the brain's instructions), so compiled once (../prepared.ts).
const agentNamed = prepared<{ name: string }>()((db, value) => db.selectFrom('registry_agents').selectAll().where('name', '=', value('name')));

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

  private write<T>(fn: WriteBody<T>): Promise<T> {
    return registryWrite(this.db, fn);
  }

  // ---- agents ----

  async listAgents(): Promise<AgentRecord[]> {
    return (await this.db.selectFrom('registry_agents').selectAll().orderBy('name').execute()).map(agentRecord);
  }

  async getAgent(name: string): Promise<AgentRecord | undefined> {
    const row = (await agentNamed.execute(this.db, { name })).rows[0];
    return row && agentRecord(row);
  }

  /** Inserts a user agent; false when the name is taken. `guard` may refuse it (limits). */
  createAgent(name: string, content: string, guard?: FootprintGuard, now = Date.now()): Promise<boolean> {
    return this.write(async (trx, lock) => {
      if (guard) {
        await lock();
        // A taken name is a conflict, not a new agent for the limits.
        if (await trx.selectFrom('registry_agents').select('name').where('name', '=', name).executeTakeFirst()) return { changed: false, value: false };
        await checkFootprint(trx, lock, guard, (f) => ({ ...f, agents: f.agents + 1, bytes: f.bytes + bytes(content) }));
      }
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
  updateAgent(name: string, content: string, guard?: FootprintGuard, now = Date.now()): Promise<AgentRecord | undefined> {
    return this.write(async (trx, lock) => {
      if (guard) await lock(); // the size of the row read below is part of the check: it must not change meanwhile
      const row = await trx.selectFrom('registry_agents').selectAll().where('name', '=', name).executeTakeFirst();
      if (!row) return { changed: false, value: undefined };
      await checkFootprint(trx, lock, guard, (f) => ({ ...f, bytes: f.bytes - bytes(row.content) + bytes(content) }));
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

  createSkill(name: string, files: SkillFiles, guard?: FootprintGuard, now = Date.now()): Promise<boolean> {
    const json = filesJson(files);
    return this.write(async (trx, lock) => {
      if (guard) {
        await lock();
        if (await trx.selectFrom('registry_skills').select('name').where('name', '=', name).executeTakeFirst()) return { changed: false, value: false };
        await checkFootprint(trx, lock, guard, (f) => ({ ...f, skills: f.skills + 1, bytes: f.bytes + bytes(json) }));
      }
      const res = await trx
        .insertInto('registry_skills')
        .values({ name, files: json, builtin: 0, overridden: 0, shipped_files: null, webhook_id: null, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      const changed = Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
      return { changed, value: changed };
    });
  }

  updateSkill(name: string, files: SkillFiles, guard?: FootprintGuard, now = Date.now()): Promise<SkillRecord | undefined> {
    const json = filesJson(files);
    return this.write(async (trx, lock) => {
      if (guard) await lock(); // the size of the row read below is part of the check: it must not change meanwhile
      const row = await trx.selectFrom('registry_skills').selectAll().where('name', '=', name).executeTakeFirst();
      if (!row) return { changed: false, value: undefined };
      await checkFootprint(trx, lock, guard, (f) => ({ ...f, bytes: f.bytes - bytes(row.files) + bytes(json) }));
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

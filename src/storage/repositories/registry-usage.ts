import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { FINAL_STATUSES } from '../../domain/task-status.js';
import type { Database } from '../schema.js';
import { prepared, row } from '../prepared.js';

/** Per agent or per skill, over finished tasks. A task that used two skills counts fully for each. */
export interface UsageFigures {
  runs: number;
  /** Share of runs whose outcome was `success`; null before the first run. */
  success_rate: number | null;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  mean_duration_ms: number | null;
}

export const NO_USAGE: UsageFigures = { runs: 0, success_rate: null, cost_usd: 0, input_tokens: 0, output_tokens: 0, mean_duration_ms: null };

interface Summed {
  key: string | null;
  runs: number | string;
  successes: number | string | null;
  cost_usd: number | string | null;
  input_tokens: number | string | null;
  output_tokens: number | string | null;
  duration_sum: number | string | null;
  duration_count: number | string;
}

const figures = (r: Summed): UsageFigures => {
  const runs = Number(r.runs);
  const durations = Number(r.duration_count);
  return {
    runs,
    success_rate: runs ? Number(r.successes ?? 0) / runs : null,
    cost_usd: Number(r.cost_usd ?? 0),
    input_tokens: Number(r.input_tokens ?? 0),
    output_tokens: Number(r.output_tokens ?? 0),
    mean_duration_ms: durations ? Math.round(Number(r.duration_sum ?? 0) / durations) : null,
  };
};

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/** Which skills each finished task used, the per-agent and per-skill figures, and the management tools' grants. */
export class RegistryUsageRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async recordSkills(taskId: string, uses: Map<string, number>, now = Date.now()): Promise<void> {
    if (uses.size === 0) return;
    await this.db
      .insertInto('task_skills')
      .values([...uses].map(([skill, n]) => ({ task_id: taskId, skill, uses: n, created_at: now })))
      .onConflict((oc) => oc.columns(['task_id', 'skill']).doUpdateSet((eb) => ({ uses: eb.ref('excluded.uses') })))
      .execute();
  }

  async skillsOf(taskId: string): Promise<string[]> {
    return (await this.db.selectFrom('task_skills').select('skill').where('task_id', '=', taskId).orderBy('skill').execute()).map((r) => r.skill);
  }

  /** Finished tasks grouped by their assigned agent. */
  async byAgent(): Promise<Map<string, UsageFigures>> {
    const rows = await this.db
      .selectFrom('tasks')
      .where('status', 'in', [...FINAL_STATUSES])
      .where('assigned_agent', 'is not', null)
      .select((eb) => [
        eb.ref('assigned_agent').as('key'),
        eb.fn.countAll<number>().as('runs'),
        eb.fn.sum<number>(eb.case().when('outcome', '=', 'success').then(1).else(0).end()).as('successes'),
        eb.fn.sum<number>('cost_usd').as('cost_usd'),
        eb.fn.sum<number>('input_tokens').as('input_tokens'),
        eb.fn.sum<number>('output_tokens').as('output_tokens'),
        eb.fn.sum<number>('duration_ms').as('duration_sum'),
        eb.fn.count<number>('duration_ms').as('duration_count'),
      ])
      .groupBy('assigned_agent')
      .execute();
    return new Map(rows.map((r) => [String(r.key), figures(r)]));
  }

  /** Finished tasks grouped by the skills they used. */
  async bySkill(): Promise<Map<string, UsageFigures>> {
    const rows = await this.db
      .selectFrom('task_skills')
      .innerJoin('tasks', 'tasks.task_id', 'task_skills.task_id')
      .where('tasks.status', 'in', [...FINAL_STATUSES])
      .select((eb) => [
        eb.ref('task_skills.skill').as('key'),
        eb.fn.countAll<number>().as('runs'),
        eb.fn.sum<number>(eb.case().when('tasks.outcome', '=', 'success').then(1).else(0).end()).as('successes'),
        eb.fn.sum<number>('tasks.cost_usd').as('cost_usd'),
        eb.fn.sum<number>('tasks.input_tokens').as('input_tokens'),
        eb.fn.sum<number>('tasks.output_tokens').as('output_tokens'),
        eb.fn.sum<number>('tasks.duration_ms').as('duration_sum'),
        eb.fn.count<number>('tasks.duration_ms').as('duration_count'),
      ])
      .groupBy('task_skills.skill')
      .execute();
    return new Map(rows.map((r) => [String(r.key), figures(r)]));
  }

  // ---- management-tool grants ----

  /** Stores a grant for `token` (hashed). Expired ones are dropped by revoke, which every run ends with. */
  async grant(token: string, taskId: string, ttlMs: number, now = Date.now()): Promise<void> {
    await insertGrant.execute(this.db, { token_hash: sha256(token), task_id: taskId, created_at: now, expires_at: now + ttlMs });
  }

  /** The task a live token was granted to. */
  async taskForToken(token: string, now = Date.now()): Promise<string | undefined> {
    const row = await this.db.selectFrom('mcp_grants').select('task_id').where('token_hash', '=', sha256(token)).where('expires_at', '>=', now).executeTakeFirst();
    return row?.task_id;
  }

  /** Drops the task's grants, and expired ones (a run that never ended leaves its grant to expire), in one statement. */
  async revoke(taskId: string, now = Date.now()): Promise<void> {
    await revokeGrants.execute(this.db, { taskId, now });
  }
}

// Every run starts and ends with these: compiled once (../prepared.ts).
const insertGrant = prepared<{ token_hash: string; task_id: string; created_at: number; expires_at: number }>()((db, value) =>
  db.insertInto('mcp_grants').values(row(value, ['token_hash', 'task_id', 'created_at', 'expires_at'])),
);
const revokeGrants = prepared<{ taskId: string; now: number }>()((db, value) =>
  db.deleteFrom('mcp_grants').where((eb) => eb.or([eb('task_id', '=', value('taskId')), eb('expires_at', '<', value('now'))])),
);

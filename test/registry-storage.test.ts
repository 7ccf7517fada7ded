// The registry's storage on every dialect: version moves with every change (and only then), seeding, skill usage
// and per-agent/per-skill figures, and the management tools' grants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../src/storage/db.js';
import type { Repositories } from '../src/storage/repositories/index.js';
import { STORAGE_DIALECTS, testDatabase } from './support/test-database.js';

const agent = (name: string, body: string) => `---\nname: ${name}\ndescription: d\n---\n${body}\n`;

for (const dialect of STORAGE_DIALECTS) {
  describe.skipIf(dialect.skip)(`registry storage on ${dialect.name}`, () => {
    let storage: Storage;
    let repos: Repositories;
    const db = testDatabase(dialect.name, 'cca-registry-storage-');

    beforeAll(async () => {
      ({ storage, repos } = await db.openRepositories());
    });
    afterAll(() => db.close());

    it('moves the version with every change, and only then', async () => {
      const v0 = await repos.registry.version();
      expect(await repos.registry.seedAgent('alpha', agent('alpha', 'A'))).toBe('inserted');
      expect(await repos.registry.seedAgent('alpha', agent('alpha', 'A'))).toBe('unchanged');
      const v1 = await repos.registry.version();
      expect(v1).toBe(v0 + 1);
      expect(await repos.registry.createAgent('alpha', agent('alpha', 'B'))).toBe(false);
      expect(await repos.registry.version()).toBe(v1);
      expect(await repos.registry.createAgent('beta', agent('beta', 'B'))).toBe(true);
      expect((await repos.registry.updateAgent('alpha', agent('alpha', 'MINE')))!.overridden).toBe(true);
      expect((await repos.registry.updateAgent('alpha', agent('alpha', 'A')))!.overridden).toBe(false);
      expect(await repos.registry.updateAgent('nobody', 'x')).toBeUndefined();
      expect(await repos.registry.deleteAgent('beta')).toBe(true);
      expect(await repos.registry.deleteAgent('beta')).toBe(false);
      expect(await repos.registry.version()).toBe(v1 + 4);

      expect(await repos.registry.createSkill('notes', { 'SKILL.md': 's', 'b.md': 'b', 'a.md': 'a' })).toBe(true);
      expect((await repos.registry.getSkill('notes'))!.files).toEqual({ 'SKILL.md': 's', 'a.md': 'a', 'b.md': 'b' });
      await repos.registry.setSkillWebhook('notes', 'wh_x');
      const snapshot = await repos.registry.snapshot();
      expect(snapshot.version).toBe(v1 + 5);
      expect(snapshot.agents.map((a) => a.name)).toEqual(['alpha']);
      expect(snapshot.skills[0]).toMatchObject({ name: 'notes', webhook_id: 'wh_x', builtin: false });
    });

    it('sums finished tasks per agent and per skill used', async () => {
      const base = { session_id: 's', source: 'dashboard', input_message: 'x', prompt: null, conversation_id: null, flow_id: null, parent_task_id: null, external_id: null, source_metadata: null, requester: null, rule: null, model: null, system_prompt_append: null, permission_mode: null, allowed_tools: null, disallowed_tools: null, max_turns: null, budget_usd: null, output: null, error: null, outcome: null, duration_ms: null, claude_session_id: null, resume_session_id: null, working_dir: null, worker_id: null, child_pid: null, heartbeat_at: null, webhook_event_id: null, post_back_error: null, started_at: null, completed_at: null };
      const finish = async (id: string, agentName: string | null, to: 'completed' | 'failed', figures: { cost_usd: number; input_tokens: number; output_tokens: number; duration_ms: number }) => {
        await repos.tasks.create({ ...base, task_id: id, assigned_agent: agentName, status: 'queued' });
        await repos.tasks.transition(id, 'claim', { started_at: Date.now() });
        await repos.tasks.transition(id, to === 'completed' ? 'complete' : 'fail', { ...figures, outcome: to === 'completed' ? 'success' : 'error', completed_at: Date.now() });
      };
      await finish('t1', 'alpha', 'completed', { cost_usd: 0.5, input_tokens: 100, output_tokens: 10, duration_ms: 1000 });
      await finish('t2', 'alpha', 'failed', { cost_usd: 0.25, input_tokens: 50, output_tokens: 5, duration_ms: 3000 });
      await finish('t3', null, 'completed', { cost_usd: 1, input_tokens: 1, output_tokens: 1, duration_ms: 1 });
      await repos.tasks.create({ ...base, task_id: 't4', assigned_agent: 'alpha', status: 'queued' }); // not finished: not counted
      await repos.registryUsage.recordSkills('t1', new Map([['notes', 2], ['testing', 1]]));
      await repos.registryUsage.recordSkills('t2', new Map([['notes', 1]]));
      await repos.registryUsage.recordSkills('t1', new Map([['notes', 3]])); // a retried record replaces, never doubles
      expect(await repos.registryUsage.skillsOf('t1')).toEqual(['notes', 'testing']);

      expect((await repos.registryUsage.byAgent()).get('alpha')).toEqual({ runs: 2, success_rate: 0.5, cost_usd: 0.75, input_tokens: 150, output_tokens: 15, mean_duration_ms: 2000 });
      const skills = await repos.registryUsage.bySkill();
      expect(skills.get('notes')).toEqual({ runs: 2, success_rate: 0.5, cost_usd: 0.75, input_tokens: 150, output_tokens: 15, mean_duration_ms: 2000 });
      expect(skills.get('testing')).toMatchObject({ runs: 1, success_rate: 1, cost_usd: 0.5 });
    });

    it('keeps only a hash of a grant, honours it until it expires, and revokes it with its task', async () => {
      await repos.registryUsage.grant('token-a', 'task-a', 60_000);
      await repos.registryUsage.grant('token-b', 'task-b', -1);
      expect(await repos.registryUsage.taskForToken('token-a')).toBe('task-a');
      expect(await repos.registryUsage.taskForToken('token-b')).toBeUndefined();
      expect(await repos.registryUsage.taskForToken('token-c')).toBeUndefined();
      const stored = await storage.db.selectFrom('mcp_grants').select('token_hash').execute();
      expect(stored.map((r) => r.token_hash)).not.toContain('token-a');
      await repos.registryUsage.revoke('task-a');
      expect(await repos.registryUsage.taskForToken('token-a')).toBeUndefined();
      // Ending any run drops the grants that expired (task-b's), not only its own.
      expect(await storage.db.selectFrom('mcp_grants').select('task_id').execute()).toEqual([]);
    });
  });
}

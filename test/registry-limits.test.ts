// The registry is bounded — agents, skills and bytes in all — on every dialect, under concurrent writes too; and an
// agent whose frontmatter would make every run of it fail (`hooks`, which Claude Code cannot read in the forms the
// registry can store, and drops the agent) is refused when it is saved. The last part runs the real CLI.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { DomainError } from '../src/domain/errors.js';
import { REGISTRY_LIMITS } from '../src/registry/registry-limits.js';
import { RegistryService } from '../src/registry/registry-service.js';
import type { Repositories } from '../src/storage/repositories/index.js';
import { WebhookConfigService } from '../src/webhooks/config-service.js';
import { type ScriptedHarness, startScriptedHarness } from './support/harness.js';
import { STORAGE_DIALECTS, testDatabase } from './support/test-database.js';

const agentFile = (name: string, fields = '', body = 'You write release notes.') =>
  `---\nname: ${name}\ndescription: Writes release notes from merged pull requests.\n${fields}---\n${body}\n`;
const skillMd = (name: string, fields = '') => `---\nname: ${name}\ndescription: How this team cuts a release.\n${fields}---\n# Release\nTag it.\n`;
const KIB = 1024;

/** The refusal a call ends with (a DomainError), or a failure naming what was stored instead. */
async function refusal(call: Promise<unknown>): Promise<DomainError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('the call was accepted; it should have been refused');
}

for (const dialect of STORAGE_DIALECTS) {
  describe.skipIf(dialect.skip)(`registry limits on ${dialect.name}`, () => {
    let repos: Repositories;
    let registry: RegistryService;
    const db = testDatabase(dialect.name, 'cca-registry-limits-');

    beforeAll(async () => {
      ({ repos } = await db.openRepositories());
      registry = new RegistryService({ repos, webhooks: new WebhookConfigService({ repos, config: loadConfig({ DATA_DIR: db.dir }), publicBase: () => 'http://127.0.0.1' }) });
    });
    afterEach(async () => {
      for (const a of await repos.registry.listAgents()) await repos.registry.deleteAgent(a.name);
      for (const s of await repos.registry.listSkills()) await repos.registry.deleteSkill(s.name);
    });
    afterAll(() => db.close());

    it(`refuses agent number ${REGISTRY_LIMITS.agents + 1} with a 409 naming the limit; a deletion makes room`, async () => {
      for (let i = 0; i < REGISTRY_LIMITS.agents; i++) await registry.createAgent({ name: `agent-${i}`, content: agentFile(`agent-${i}`) });
      const err = await refusal(registry.createAgent({ name: 'one-more', content: agentFile('one-more') }));
      expect(err.code).toBe('conflict');
      expect(err.message).toContain(`at most ${REGISTRY_LIMITS.agents} agents`);
      expect(await repos.registry.getAgent('one-more')).toBeUndefined();
      // Replacing an existing agent is not a new one.
      await registry.updateAgent('agent-0', { content: agentFile('agent-0', '', 'You write better release notes.') });
      await registry.deleteAgent('agent-1');
      await registry.createAgent({ name: 'one-more', content: agentFile('one-more') });
    });

    it(`refuses skill number ${REGISTRY_LIMITS.skills + 1} with a 409 naming the limit`, async () => {
      for (let i = 0; i < REGISTRY_LIMITS.skills; i++) await registry.createSkill({ name: `skill-${i}`, files: { 'SKILL.md': skillMd(`skill-${i}`) } });
      const err = await refusal(registry.createSkill({ name: 'one-more', files: { 'SKILL.md': skillMd('one-more') } }));
      expect(err.code).toBe('conflict');
      expect(err.message).toContain(`at most ${REGISTRY_LIMITS.skills} skills`);
      expect(await repos.registry.getSkill('one-more')).toBeUndefined();
    });

    it('never goes over a count limit when creates race', async () => {
      for (let i = 0; i < REGISTRY_LIMITS.agents - 3; i++) await registry.createAgent({ name: `agent-${i}`, content: agentFile(`agent-${i}`) });
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => registry.createAgent({ name: `racer-${i}`, content: agentFile(`racer-${i}`) })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as DomainError).code).toBe('conflict');
      expect(await repos.registry.listAgents()).toHaveLength(REGISTRY_LIMITS.agents);
    });

    it('refuses a write that would take the whole registry over its size limit; a smaller write still passes', async () => {
      // Skills of nearly 1 MiB each (the per-skill limit), then a smaller one, until little room is left.
      const big = (name: string, kib: number) => ({
        'SKILL.md': skillMd(name),
        ...Object.fromEntries(Array.from({ length: Math.ceil(kib / 250) }, (_, i) => [`part-${i}.md`, 'x'.repeat(Math.min(250, kib - i * 250) * KIB)])),
      });
      const fits = Math.floor(REGISTRY_LIMITS.totalBytes / (1000 * KIB));
      for (let i = 0; i < fits; i++) await registry.createSkill({ name: `big-${i}`, files: big(`big-${i}`, 1000) });
      const err = await refusal(registry.createSkill({ name: 'too-much', files: big('too-much', 1000) }));
      expect(err.code).toBe('too_large');
      expect(err.message).toContain(`${REGISTRY_LIMITS.totalBytes / (KIB * KIB)} MiB`);
      expect(await repos.registry.getSkill('too-much')).toBeUndefined();

      const room = REGISTRY_LIMITS.totalBytes / KIB - fits * 1000; // KiB left, less a little for the SKILL.md files
      await registry.createSkill({ name: 'small', files: big('small', room - 40) });
      // Growing an existing skill past the limit is refused; an agent counts as well.
      expect((await refusal(registry.updateSkill('small', { files: big('small', room + 10) }))).code).toBe('too_large');
      const wordy = { name: 'wordy', content: agentFile('wordy', '', 'w'.repeat(90_000)) };
      expect((await refusal(registry.createAgent(wordy))).code).toBe('too_large');
      expect(await repos.registry.getAgent('wordy')).toBeUndefined();
      // Shrinking is always allowed, and makes room.
      await registry.updateSkill('big-0', { files: big('big-0', 10) });
      await registry.createAgent(wordy);
    });
  });
}

describe('frontmatter that would break every run is refused when saved', () => {
  let h: ScriptedHarness;

  beforeAll(async () => {
    h = await startScriptedHarness();
  });
  afterAll(() => h?.close());

  it('Claude Code drops an agent whose hooks it cannot read, so every run of it fails (why `hooks` is refused)', async () => {
    // Stored behind the API's back, as an older release of the service would have let it in.
    expect(await h.services.repos.registry.createAgent('hooked', agentFile('hooked', 'hooks: echo hi\n'))).toBe(true);
    const sent = await h.request('POST', '/api/chat', { message: 'hello [[script:text hi]]', agent: 'hooked' });
    expect(sent.status).toBe(202);
    try {
      const task = await h.waitForTask(sent.body.task_id);
      expect(task.status).toBe('failed');
      expect(task.error).toContain("--agent 'hooked' not found");
    } finally {
      await h.services.repos.registry.deleteAgent('hooked');
    }
  });

  it.each([
    ['a command', 'command', 'hooks: echo hi\n'],
    ['a list', 'list', 'hooks: [PreToolUse, Stop]\n'],
    ['a nested mapping', 'nested', 'hooks:\n  PreToolUse: x\n'],
    ['an empty value', 'empty', 'hooks: ""\n'],
  ])('an agent with hooks as %s: 400 naming the field, on create and on replace', async (_what, suffix, fields) => {
    const name = `hooked-${suffix}`;
    const created = await h.request('POST', '/api/registry/agents', { name, content: agentFile(name, fields) });
    expect(created.status).toBe(400);
    expect(created.body.field).toBe('hooks');
    expect(created.body.error).toContain('hooks');
    expect((await h.request('GET', `/api/registry/agents/${name}`)).status).toBe(404);

    const plain = `plain-${suffix}`;
    expect((await h.request('POST', '/api/registry/agents', { name: plain, content: agentFile(plain) })).status).toBe(201);
    const replaced = await h.request('PUT', `/api/registry/agents/${plain}`, { content: agentFile(plain, fields) });
    expect(replaced).toMatchObject({ status: 400, body: { field: 'hooks' } });
    expect((await h.request('GET', `/api/registry/agents/${plain}`)).body.content).not.toContain('hooks');
    expect((await h.request('DELETE', `/api/registry/agents/${plain}`)).status).toBe(204);
  });

  it('a skill with hooks: 400 naming the field', async () => {
    const res = await h.request('POST', '/api/registry/skills', { name: 'hooked', files: { 'SKILL.md': skillMd('hooked', 'hooks: echo hi\n') } });
    expect(res).toMatchObject({ status: 400, body: { field: 'hooks' } });
  });

  it('the API answers a full registry with 409 and the limit in the message', async () => {
    const existing = (await h.request('GET', '/api/registry/agents')).body.agents.length as number;
    for (let i = existing; i < REGISTRY_LIMITS.agents; i++) {
      expect((await h.request('POST', '/api/registry/agents', { name: `filler-${i}`, content: agentFile(`filler-${i}`) })).status).toBe(201);
    }
    const res = await h.request('POST', '/api/registry/agents', { name: 'one-more', content: agentFile('one-more') });
    expect(res.status).toBe(409);
    expect(res.body.error).toContain(`at most ${REGISTRY_LIMITS.agents} agents`);
  });
});

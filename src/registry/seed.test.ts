import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../storage/db.js';
import { RegistryRepository } from '../storage/repositories/registry.js';
import { seedRegistry } from './seed.js';

const agent = (name: string, body: string) => `---\nname: ${name}\ndescription: Does ${name} things.\n---\n${body}\n`;
const skill = (name: string) => `---\nname: ${name}\ndescription: How to ${name}.\n---\nSteps.\n`;

describe('seeding the shipped defaults', () => {
  let dir: string;
  let source: string;
  let storage: Storage;
  let repo: RegistryRepository;

  const ship = (files: Record<string, string>) => {
    fs.rmSync(source, { recursive: true, force: true });
    for (const [rel, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(source, '.claude', rel)), { recursive: true });
      fs.writeFileSync(path.join(source, '.claude', rel), content);
    }
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-seed-'));
    source = path.join(dir, 'agent-home');
    storage = await openStorage({ sqliteFile: path.join(dir, 'agent.db') });
    repo = new RegistryRepository(storage.db);
  });
  afterEach(async () => {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('inserts what is missing, follows a new release where nobody overrode it, and keeps overrides restorable', async () => {
    ship({ 'agents/alpha.md': agent('alpha', 'A1'), 'agents/beta.md': agent('beta', 'B1'), 'skills/notes/SKILL.md': skill('notes'), 'skills/notes/ref/x.md': 'X' });
    expect(await seedRegistry(repo, source)).toMatchObject({ inserted: ['alpha', 'beta', 'skills/notes'] });
    expect((await repo.getSkill('notes'))!.files).toEqual({ 'SKILL.md': skill('notes'), 'ref/x.md': 'X' });
    const v = await repo.version();
    expect(await seedRegistry(repo, source)).toMatchObject({ inserted: [], updated: [] });
    expect(await repo.version()).toBe(v); // a start-up with nothing new changes nothing

    await repo.updateAgent('beta', agent('beta', 'MINE'));
    await repo.createAgent('gamma', agent('gamma', 'USER'));
    ship({ 'agents/alpha.md': agent('alpha', 'A2'), 'agents/beta.md': agent('beta', 'B2'), 'agents/gamma.md': agent('gamma', 'G-SHIPPED'), 'skills/notes/SKILL.md': skill('notes') });
    expect(await seedRegistry(repo, source)).toMatchObject({ updated: ['alpha', 'beta', 'skills/notes'], adopted: ['gamma'] });
    expect((await repo.getAgent('alpha'))!).toMatchObject({ content: agent('alpha', 'A2'), overridden: false });
    expect((await repo.getAgent('beta'))!).toMatchObject({ content: agent('beta', 'MINE'), overridden: true, shipped_content: agent('beta', 'B2') });
    expect((await repo.getAgent('gamma'))!).toMatchObject({ content: agent('gamma', 'USER'), builtin: true, overridden: true });
    expect((await repo.getSkill('notes'))!.files).toEqual({ 'SKILL.md': skill('notes') });

    // A default dropped by a release: the pristine one goes, the overridden one stays as the user's.
    ship({ 'agents/gamma.md': agent('gamma', 'G-SHIPPED'), 'skills/notes/SKILL.md': skill('notes') });
    expect((await seedRegistry(repo, source)).retired).toEqual(['alpha', 'beta']);
    expect(await repo.getAgent('alpha')).toBeUndefined();
    expect((await repo.getAgent('beta'))!).toMatchObject({ builtin: false, overridden: false, content: agent('beta', 'MINE') });
  });

  it('skips an invalid shipped file instead of storing it', async () => {
    ship({ 'agents/good.md': agent('good', 'ok'), 'agents/bad.md': '---\nname: other\n---\nbody', 'skills/nofile/README.md': 'x' });
    const report = await seedRegistry(repo, source);
    expect(report.inserted).toEqual(['good']);
    expect(report.skipped.sort()).toEqual(['bad', 'nofile']);
  });

  it('seeds the repository agent-home as it ships', async () => {
    const report = await seedRegistry(repo, path.resolve('agent-home'));
    expect(report.skipped).toEqual([]);
    expect((await repo.listAgents()).length).toBe(9);
    expect((await repo.listSkills()).length).toBe(8);
  });
});

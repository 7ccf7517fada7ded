import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../storage/db.js';
import { RegistryRepository } from '../storage/repositories/registry.js';
import { RegistryMaterialiser } from './materialise.js';

const agent = (name: string, body: string) => `---\nname: ${name}\ndescription: d\n---\n${body}\n`;

describe('materialising the registry on a worker', () => {
  let dir: string;
  let storage: Storage;
  let repo: RegistryRepository;
  let home: string;
  let outside: string;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-materialise-'));
    storage = await openStorage({ sqliteFile: path.join(dir, 'agent.db') });
    repo = new RegistryRepository(storage.db);
    home = path.join(dir, 'data', 'agent-home');
    outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    await repo.createAgent('alpha', agent('alpha', 'ALPHA'));
    await repo.createSkill('notes', { 'SKILL.md': 'skill', 'refs/a.md': 'A' });
  });
  afterEach(async () => {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const live = () => path.join(home, '.claude');
  const read = (rel: string) => fs.readFileSync(path.join(live(), rel), 'utf8');

  it('writes the registry once, and again only when it changed', async () => {
    const m = new RegistryMaterialiser(home, repo);
    const v1 = await m.ensure();
    expect(fs.lstatSync(live()).isSymbolicLink()).toBe(true);
    expect(read('agents/alpha.md')).toContain('ALPHA');
    expect(read('skills/notes/refs/a.md')).toBe('A');
    const first = fs.readlinkSync(live());

    expect(await m.ensure()).toBe(v1);
    expect(fs.readlinkSync(live())).toBe(first); // nothing changed: nothing rewritten

    await repo.updateAgent('alpha', agent('alpha', 'ALPHA-2'));
    await repo.deleteSkill('notes');
    expect(await m.ensure()).toBeGreaterThan(v1);
    expect(fs.readlinkSync(live())).not.toBe(first);
    expect(read('agents/alpha.md')).toContain('ALPHA-2');
    expect(fs.existsSync(path.join(live(), 'skills', 'notes'))).toBe(false);
  });

  it('swaps whole copies: concurrent callers make one write, old copies are collected', async () => {
    const m = new RegistryMaterialiser(home, repo);
    const [a, b, c] = await Promise.all([m.ensure(), m.ensure(), m.ensure()]);
    expect(new Set([a, b, c]).size).toBe(1);
    expect(fs.readdirSync(path.join(home, 'versions'))).toHaveLength(1);
    for (let i = 0; i < 4; i++) {
      await repo.updateAgent('alpha', agent('alpha', `ALPHA-${i}`));
      await m.ensure();
    }
    // The live copy and the one it replaced.
    expect(fs.readdirSync(path.join(home, 'versions'))).toHaveLength(2);
    expect(read('agents/alpha.md')).toContain('ALPHA-3');
  });

  it('two worker processes sharing DATA_DIR: one copy per version between them, neither removes what the other writes', async () => {
    // Two materialisers on one agent home, as two worker processes on one machine (npm run cluster) have.
    const [a, b] = [new RegistryMaterialiser(home, repo), new RegistryMaterialiser(home, repo)];
    await a.ensure();
    const first = fs.readlinkSync(live());
    await b.ensure();
    expect(fs.readlinkSync(live())).toBe(first); // b takes a's copy of the same version instead of writing its own
    for (let i = 0; i < 6; i++) {
      if (i % 2) await repo.updateAgent('alpha', agent('alpha', `ALPHA-${i}`));
      const results = await Promise.allSettled([a.ensure(), b.ensure(), a.ensure(), b.ensure()]);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(read('agents/alpha.md')).toContain(i ? `ALPHA-${i - ((i + 1) % 2)}` : 'ALPHA');
    }
  });

  it('never writes through a symlink planted in its tree', async () => {
    const m = new RegistryMaterialiser(home, repo);
    await m.ensure();
    // In the live copy, in place of a skill folder and of a file.
    fs.rmSync(path.join(live(), 'skills', 'notes'), { recursive: true, force: true });
    fs.symlinkSync(outside, path.join(live(), 'skills', 'notes'));
    fs.rmSync(path.join(live(), 'agents', 'alpha.md'));
    fs.symlinkSync(path.join(outside, 'alpha.md'), path.join(live(), 'agents', 'alpha.md'));
    await repo.updateAgent('alpha', agent('alpha', 'AFTER'));
    await m.ensure();
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.lstatSync(path.join(live(), 'skills', 'notes')).isDirectory()).toBe(true);
    expect(read('agents/alpha.md')).toContain('AFTER');

    // The versions folder and the live link themselves replaced by symlinks to somewhere else.
    fs.rmSync(path.join(home, 'versions'), { recursive: true, force: true });
    fs.symlinkSync(outside, path.join(home, 'versions'));
    await repo.updateAgent('alpha', agent('alpha', 'AGAIN'));
    await m.ensure();
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.lstatSync(path.join(home, 'versions')).isSymbolicLink()).toBe(false);
    expect(read('agents/alpha.md')).toContain('AGAIN');

    fs.rmSync(live());
    fs.symlinkSync(outside, live());
    await repo.updateAgent('alpha', agent('alpha', 'THIRD'));
    await m.ensure();
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.readlinkSync(live())).toMatch(/^versions\/v\d+-/);
    expect(read('agents/alpha.md')).toContain('THIRD');
  });

  it('puts back a live link that was removed, and replaces a real directory planted in its place', async () => {
    const m = new RegistryMaterialiser(home, repo);
    await m.ensure();
    fs.rmSync(live());
    fs.mkdirSync(path.join(live(), 'agents'), { recursive: true });
    fs.writeFileSync(path.join(live(), 'agents', 'evil.md'), agent('evil', 'EVIL'));
    await m.ensure(); // same version, but the copy is not live any more
    expect(fs.lstatSync(live()).isSymbolicLink()).toBe(true);
    expect(fs.existsSync(path.join(live(), 'agents', 'evil.md'))).toBe(false);
    expect(read('agents/alpha.md')).toContain('ALPHA');
  });

  it('refuses rows that are not registry names or paths (written around the API)', async () => {
    await storage.db.insertInto('registry_skills').values({ name: 'bad', files: JSON.stringify({ 'SKILL.md': 'x', '../../escape.md': 'x' }), shipped_files: null, webhook_id: null, created_at: 0, updated_at: 0 }).execute();
    await storage.db.updateTable('registry_meta').set({ value: 99 }).execute();
    const m = new RegistryMaterialiser(home, repo);
    await expect(m.ensure()).rejects.toThrow(/climbs out/);
    expect(fs.existsSync(path.join(home, 'escape.md'))).toBe(false);
    expect(fs.readdirSync(path.join(home, 'versions'))).toEqual([]);
  });
});

// A worker's copy of the registry on disk, which every run's workspace links to (DATA_DIR/agent-home):
//
//   agent-home/
//     .claude -> versions/v<version>-<random>      the live copy: one symlink, swapped with rename(2)
//     versions/v<version>-<random>/agents/<name>.md
//     versions/v<version>-<random>/skills/<name>/SKILL.md, …
//
// A new version is written into a fresh directory and only then made live by renaming a new symlink over `.claude`,
// so a run sees the old registry or the new one, never half of one. Writing never follows a symlink: the version
// directory is new (mkdtemp), folders are created one level at a time and checked with lstat, files are opened with
// O_EXCL (which refuses an existing path, a planted symlink included), and every target is checked to resolve
// inside the version directory. A symlink planted anywhere in the tree is left behind with the old version.
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import type { RegistryRepository, SkillRecord, AgentRecord } from '../storage/repositories/registry.js';
import { NAME_PATTERN } from './frontmatter.js';
import { skillPathProblem } from './skill-files.js';

const LIVE = '.claude';
const VERSIONS = 'versions';
/** Older copies kept after a swap: a run that resolved a path just before the swap can still read it. */
const KEEP_PREVIOUS = 1;

export class RegistryMaterialiser {
  private live?: { version: number; dir: string };
  private running?: Promise<number>;

  constructor(
    private readonly agentHome: string,
    private readonly registry: Pick<RegistryRepository, 'version' | 'snapshot'>,
    private readonly log?: Logger,
  ) {}

  /**
   * Makes the agent home match the database, if it does not already; returns the version on disk. Cheap when
   * nothing changed: one row read and one readlink. Calls run one after another, each reading the version itself,
   * so a run never starts on a copy older than a change made before it asked (a second caller finds the first
   * caller's copy current and writes nothing).
   */
  async ensure(): Promise<number> {
    const next = (this.running ?? Promise.resolve(0)).catch(() => 0).then(() => this.sync());
    this.running = next;
    try {
      return await next;
    } finally {
      if (this.running === next) this.running = undefined;
    }
  }

  private async sync(retried = false): Promise<number> {
    const version = await this.registry.version();
    if (this.live && this.live.version === version && (await this.liveEntry()) === path.basename(this.live.dir)) return version;
    // Another worker process sharing this DATA_DIR may have made this version live already: its copy is used.
    const before = await this.liveEntry();
    if (before && versionOf(before) === version && (await this.isCopy(before))) {
      this.live = { version, dir: path.join(this.agentHome, VERSIONS, before) };
      return version;
    }
    const snapshot = await this.registry.snapshot();
    let dir: string;
    try {
      dir = await this.write(snapshot.version, snapshot.agents, snapshot.skills);
    } catch (err) {
      // Collected under it by another process that made a newer version live meanwhile: once more, from the top.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !retried) return this.sync(true);
      throw err;
    }
    // A newer version made live by another process meanwhile stays live; this older copy goes.
    const now = await this.liveEntry();
    if (now && (versionOf(now) ?? -1) > snapshot.version && (await this.isCopy(now))) {
      await fs.rm(dir, { recursive: true, force: true });
      return this.sync(retried);
    }
    await this.swap(dir);
    const previous = this.live?.dir;
    this.live = { version: snapshot.version, dir };
    await this.collect([dir, ...(now ? [now] : []), ...(previous ? [previous] : [])]);
    this.log?.debug({ version: snapshot.version, agents: snapshot.agents.length, skills: snapshot.skills.length }, 'registry materialised');
    return snapshot.version;
  }

  /** The name of the copy `.claude` points at (`versions/<name>`), if it points at one. */
  private async liveEntry(): Promise<string | undefined> {
    const target = await fs.readlink(path.join(this.agentHome, LIVE)).catch(() => undefined);
    const m = target === undefined ? null : /^versions\/(v\d+-[^/]+)$/.exec(target);
    return m ? m[1] : undefined;
  }

  /** Whether `versions/<name>` is a real directory under a real versions directory (not a planted symlink). */
  private async isCopy(name: string): Promise<boolean> {
    const versions = path.join(this.agentHome, VERSIONS);
    const [v, c] = await Promise.all([fs.lstat(versions).catch(() => undefined), fs.lstat(path.join(versions, name)).catch(() => undefined)]);
    return !!v?.isDirectory() && !!c?.isDirectory();
  }

  /** A directory of ours, never a symlink to somewhere else: a symlink found in its place is removed. */
  private async realDir(p: string): Promise<void> {
    const st = await fs.lstat(p).catch(() => undefined);
    if (st?.isDirectory()) return;
    if (st) await fs.rm(p, { force: true, recursive: true }); // rm removes a symlink itself, never its target
    await fs.mkdir(p, { mode: 0o755 });
  }

  private async write(version: number, agents: AgentRecord[], skills: SkillRecord[]): Promise<string> {
    await fs.mkdir(path.dirname(this.agentHome), { recursive: true });
    await this.realDir(this.agentHome);
    const versions = path.join(this.agentHome, VERSIONS);
    await this.realDir(versions);
    const root = await fs.mkdtemp(path.join(versions, `v${version}-`));
    try {
      await fs.chmod(root, 0o755);
      await mkdirIn(root, 'agents');
      await mkdirIn(root, 'skills');
      for (const a of agents) {
        if (!NAME_PATTERN.test(a.name)) throw new Error(`refusing to write agent "${a.name}": not a registry name`);
        await writeIn(root, `agents/${a.name}.md`, a.content);
      }
      for (const s of skills) {
        if (!NAME_PATTERN.test(s.name)) throw new Error(`refusing to write skill "${s.name}": not a registry name`);
        await mkdirIn(root, `skills/${s.name}`);
        for (const [rel, content] of Object.entries(s.files)) {
          const why = skillPathProblem(rel);
          if (why) throw new Error(`refusing to write ${s.name}/${rel}: the path ${why}`);
          const parts = rel.split('/');
          for (let i = 1; i < parts.length; i++) await mkdirIn(root, `skills/${s.name}/${parts.slice(0, i).join('/')}`, true);
          await writeIn(root, `skills/${s.name}/${rel}`, content);
        }
      }
      return root;
    } catch (err) {
      await fs.rm(root, { recursive: true, force: true });
      throw err;
    }
  }

  /** Points `.claude` at `dir` in one rename. */
  private async swap(dir: string): Promise<void> {
    const link = path.join(this.agentHome, LIVE);
    const tmp = path.join(this.agentHome, `${LIVE}.${path.basename(dir)}.tmp`);
    await fs.rm(tmp, { force: true, recursive: true });
    await fs.symlink(path.join(VERSIONS, path.basename(dir)), tmp, 'dir');
    try {
      await fs.rename(tmp, link);
    } catch (err) {
      // `.claude` is a real directory (an older layout, or something planted): it goes, then the link takes its place.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR' && code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw err;
      await fs.rm(link, { recursive: true, force: true });
      await fs.rename(tmp, link);
    }
  }

  /**
   * Removes the copies of versions older than the live one, but for the ones in `keep` (the one just written, the one
   * it replaced: a run that resolved a path just before the swap can still read it). A copy of the live version or a
   * newer one may be another process's, being written or about to go live: it stays.
   */
  private async collect(keep: string[]): Promise<void> {
    const versions = path.join(this.agentHome, VERSIONS);
    const kept = new Set(keep.slice(0, 2 + KEEP_PREVIOUS).map((d) => path.basename(d)));
    // Another process sharing this DATA_DIR may have swapped in its own copy meanwhile: whatever is live stays.
    const live = await this.liveEntry();
    if (live) kept.add(live);
    const floor = versionOf(live ?? '') ?? Infinity;
    for (const entry of await fs.readdir(versions)) {
      if (kept.has(entry) || (versionOf(entry) ?? -1) >= floor) continue;
      await fs.rm(path.join(versions, entry), { recursive: true, force: true }).catch((err) => this.log?.warn({ err, entry }, 'could not remove an old registry copy'));
    }
  }
}

/** The registry version a copy's name (`v<version>-<random>`) says it holds. */
function versionOf(name: string): number | undefined {
  const m = /^v(\d+)-/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** `root/rel` as an absolute path, refused unless it stays inside root. */
function inside(root: string, rel: string): string {
  const target = path.resolve(root, rel);
  if (!target.startsWith(root + path.sep)) throw new Error(`refusing to write outside the registry copy: ${rel}`);
  return target;
}

async function mkdirIn(root: string, rel: string, mayExist = false): Promise<void> {
  const target = inside(root, rel);
  await assertRealParent(root, target);
  try {
    await fs.mkdir(target, { mode: 0o755 });
  } catch (err) {
    if (!mayExist || (err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const st = await fs.lstat(target);
    if (!st.isDirectory()) throw new Error(`refusing to write into ${rel}: not a plain directory`);
  }
}

async function writeIn(root: string, rel: string, content: string): Promise<void> {
  const target = inside(root, rel);
  await assertRealParent(root, target);
  // O_EXCL: fails on any existing entry, a symlink included, so the write can only create a new file here.
  const handle = await fs.open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o444);
  try {
    await handle.writeFile(content, 'utf8');
  } finally {
    await handle.close();
  }
}

/** Every directory between root and target is a real directory (lstat), not a symlink. */
async function assertRealParent(root: string, target: string): Promise<void> {
  let dir = path.dirname(target);
  while (dir.length > root.length) {
    const st = await fs.lstat(dir);
    if (st.isSymbolicLink() || !st.isDirectory()) throw new Error(`refusing to write through ${dir}: not a plain directory`);
    dir = path.dirname(dir);
  }
}

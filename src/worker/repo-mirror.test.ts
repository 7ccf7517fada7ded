import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { mirrorPath, syncMirror, type Git } from './repo-mirror.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-mirror-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const git: Git = (args, dir) => Promise.resolve(execFileSync('git', args, { cwd: dir, stdio: 'pipe' }));

function sourceRepository(): string {
  const dir = tempDir();
  execFileSync('git', ['init', '--quiet', '-b', 'main', dir]);
  fs.writeFileSync(path.join(dir, 'README.md'), 'hello\n');
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '.'], { cwd: dir });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'one'], { cwd: dir });
  return dir;
}

describe('the repository mirror lock across processes sharing DATA_DIR', () => {
  it('waits while another process holds the mirror, then fetches into the one mirror it cloned', async () => {
    const dataDir = tempDir();
    const url = `file://${sourceRepository()}`;
    const mirror = mirrorPath(dataDir, url, 'owner/repo');
    await syncMirror(git, dataDir, url, 'owner/repo');

    // Another process (the same library, as another worker would use it) takes the mirror's lock, writes a mark just
    // before it lets go, then lets go.
    const marker = path.join(dataDir, 'released');
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import lockfile from 'proper-lockfile'; import fs from 'node:fs';
         const release = await lockfile.lock(${JSON.stringify(mirror)}, { lockfilePath: ${JSON.stringify(`${mirror}.lock`)}, realpath: false, stale: 30000 });
         console.log('locked');
         await new Promise((r) => setTimeout(r, 700));
         fs.writeFileSync(${JSON.stringify(marker)}, 'x');
         await release();`,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = once(holder, 'exit');
    await once(holder.stdout!, 'data');

    const sawMarker: boolean[] = [];
    const watching: Git = (args, dir) => {
      sawMarker.push(fs.existsSync(marker));
      return git(args, dir);
    };
    expect(await syncMirror(watching, dataDir, url, 'owner/repo')).toBe(mirror);
    expect((await exited)[0]).toBe(0);
    expect(sawMarker.length).toBeGreaterThan(0);
    expect(sawMarker.every(Boolean)).toBe(true);
    expect(fs.readdirSync(path.dirname(mirror)).filter((name) => name.endsWith('.git'))).toEqual([path.basename(mirror)]);
  });
});

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitWorkspace, defaultBranch } from './workspace-commit.js';

const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
const roots: string[] = [];

/** A bare mirror with one commit on main, and a workspace cloned from it (as the worker's checkout makes them). */
function setup(): { mirror: string; ws: string; base: string; root: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-commit-test-'));
  roots.push(root);
  const src = path.join(root, 'src');
  fs.mkdirSync(src);
  git(src, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(src, 'README.md'), 'hello\n');
  git(src, 'add', '.');
  git(src, 'commit', '-q', '-m', 'init');
  const mirror = path.join(root, 'mirror.git');
  git(root, 'clone', '-q', '--bare', src, mirror);
  const ws = path.join(root, 'ws');
  git(root, 'clone', '-q', mirror, ws);
  return { mirror, ws, base: git(ws, 'rev-parse', 'HEAD'), root };
}

afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

describe('commitWorkspace', () => {
  it('commits the files a run changed on the base, without the service own files', async () => {
    const { mirror, ws, base } = setup();
    fs.writeFileSync(path.join(ws, 'fix.txt'), 'fixed\n');
    fs.mkdirSync(path.join(ws, '.claude'));
    fs.symlinkSync(os.tmpdir(), path.join(ws, '.claude', 'agents'));
    fs.mkdirSync(path.join(ws, '.agent'));
    fs.writeFileSync(path.join(ws, '.agent', 'review.json'), '{}');
    const commit = await commitWorkspace({ mirror, workTree: ws, base, message: 'Fix it' });
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(git(mirror, 'ls-tree', '-r', '--name-only', commit!).split('\n')).toEqual(['README.md', 'fix.txt']);
    expect(git(mirror, 'rev-parse', `${commit}~1`)).toBe(base);
    expect(git(mirror, 'log', '-1', '--format=%an <%ae>%n%s', commit!)).toBe('Claude Code Agent <claude-code-agent@users.noreply.github.com>\nFix it');
    expect(await defaultBranch(mirror)).toBe('main');
  });

  it('returns undefined when nothing changed (only the service own files)', async () => {
    const { mirror, ws, base } = setup();
    fs.mkdirSync(path.join(ws, '.agent'));
    fs.writeFileSync(path.join(ws, '.agent', 'review.json'), '{}');
    expect(await commitWorkspace({ mirror, workTree: ws, base, message: 'nothing' })).toBeUndefined();
  });

  it('never runs what the run wrote into the workspace .git (hooks, fsmonitor, filters)', async () => {
    const { mirror, ws, base, root } = setup();
    const marker = path.join(root, 'pwned');
    const script = path.join(root, 'evil.sh');
    fs.writeFileSync(script, `#!/bin/sh\ntouch ${marker}\ncat\n`, { mode: 0o755 });
    for (const hook of ['pre-commit', 'post-commit', 'post-index-change']) fs.writeFileSync(path.join(ws, '.git', 'hooks', hook), `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    fs.appendFileSync(path.join(ws, '.git', 'config'), `[core]\n\tfsmonitor = ${script}\n[filter "evil"]\n\tclean = ${script}\n`);
    fs.writeFileSync(path.join(ws, '.gitattributes'), '* filter=evil\n');
    fs.writeFileSync(path.join(ws, 'fix.txt'), 'fixed\n');
    const commit = await commitWorkspace({ mirror, workTree: ws, base, message: 'Fix it' });
    expect(git(mirror, 'show', `${commit}:fix.txt`)).toBe('fixed');
    expect(fs.existsSync(marker)).toBe(false);
  });
});

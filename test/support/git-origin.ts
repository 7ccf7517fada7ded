// A bare repository standing in for Codertocat/Hello-World, and git in a folder, with no test runner imported: the
// GitHub tests (github-origin.ts) and the benchmarks (bench/) both check out from it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
export const gitIn = (cwd: string) => (...args: string[]) => execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();

/**
 * A bare repository under `<root>/origin` standing in for Codertocat/Hello-World (or `fullName`), with pull request #7
 * (feature.txt, three lines).
 */
export function makeOrigin(root: string, fullName = 'Codertocat/Hello-World'): string {
  const work = path.join(root, 'work');
  const git = gitIn(work);
  fs.mkdirSync(work, { recursive: true });
  git('init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(work, 'README.md'), 'Hello World\n');
  git('add', '.');
  git('commit', '-q', '-m', 'Initial commit on main');
  git('checkout', '-q', '-b', 'feature');
  fs.writeFileSync(path.join(work, 'feature.txt'), 'one\ntwo\nthree\n');
  git('add', '.');
  git('commit', '-q', '-m', 'The pull request change');
  const bare = path.join(root, 'origin', `${fullName}.git`);
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  const inBare = gitIn(bare);
  inBare('update-ref', 'refs/pull/7/head', 'refs/heads/feature');
  inBare('symbolic-ref', 'HEAD', 'refs/heads/main');
  inBare('config', 'http.receivepack', 'true');
  return bare;
}

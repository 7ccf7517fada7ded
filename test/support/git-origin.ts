// A bare repository standing in for Codertocat/Hello-World, and git in a folder, with no test runner imported: the
// GitHub tests (github-origin.ts) and the benchmarks (bench/) both check out from it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REPO = 'Codertocat/Hello-World';
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
export const gitIn = (cwd: string) => (...args: string[]) => execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();

/**
 * A bare repository at `<root>/origin/<fullName>.git`: `main` with README.md, and a branch `feature` one commit on
 * with feature.txt (HEAD stays on main). Returns its path and git in it.
 */
export function makeBareRepository(root: string, fullName: string, files: { readme: string; feature: string; featureMessage: string }) {
  const work = path.join(root, 'work');
  const git = gitIn(work);
  fs.mkdirSync(work, { recursive: true });
  git('init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(work, 'README.md'), files.readme);
  git('add', '.');
  git('commit', '-q', '-m', 'Initial commit on main');
  git('checkout', '-q', '-b', 'feature');
  fs.writeFileSync(path.join(work, 'feature.txt'), files.feature);
  git('add', '.');
  git('commit', '-q', '-m', files.featureMessage);
  const bare = path.join(root, 'origin', `${fullName}.git`);
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  const inBare = gitIn(bare);
  inBare('symbolic-ref', 'HEAD', 'refs/heads/main');
  return { bare, inBare };
}

/**
 * A bare repository under `<root>/origin` standing in for Codertocat/Hello-World (or `fullName`), with pull request #7
 * (feature.txt, three lines).
 */
export function makeOrigin(root: string, fullName = REPO): string {
  const { bare, inBare } = makeBareRepository(root, fullName, { readme: 'Hello World\n', feature: 'one\ntwo\nthree\n', featureMessage: 'The pull request change' });
  inBare('update-ref', 'refs/pull/7/head', 'refs/heads/feature');
  inBare('config', 'http.receivepack', 'true');
  return bare;
}

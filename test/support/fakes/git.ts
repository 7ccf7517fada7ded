// git in the bare repositories of the test git server (test/support/git-http-server.ts), for the fakes that serve
// pull/merge requests from them (GitHub's and GitLab's).
import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** git in `<root>/<p.owner>/<p.repo>.git`; undefined when it fails. */
export function git(root: string, p: Record<string, string>, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: path.join(root, p.owner!, `${p.repo}.git`), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

export function gitRef(root: string, p: Record<string, string>, ref: string): string | undefined {
  return git(root, p, ['rev-parse', '--verify', '--quiet', ref])?.trim();
}

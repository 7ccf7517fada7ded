// What leaves a run's workspace is the service's doing, with git run only on the service's own repositories: the
// workspace's .git is the run's to write (hooks, a config naming filter or fsmonitor commands), so the service never
// runs git in it. It commits the workspace's files with plumbing in the bare mirror the workspace was cloned from
// (src/worker/repo-mirror.ts), a temporary index, and no global or system config: no hook and no filter runs.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const GIT_TIMEOUT_MS = 120_000;

/** Parts of a workspace that are the service's, never the repository's: the registry's links, the run's reports. */
export const SERVICE_PATHS = ['.claude/agents', '.claude/skills', '.agent'];

export const AUTHOR = { name: 'Claude Code Agent', email: 'claude-code-agent@users.noreply.github.com' };

export interface WorkspaceCommit {
  /** The service's bare mirror of the repository (holds `base`). */
  mirror: string;
  /** The run's workspace: only its files are read. */
  workTree: string;
  /** The commit the workspace was checked out at. */
  base: string;
  message: string;
}

function gitEnv(scratch: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: scratch,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: AUTHOR.name,
    GIT_AUTHOR_EMAIL: AUTHOR.email,
    GIT_COMMITTER_NAME: AUTHOR.name,
    GIT_COMMITTER_EMAIL: AUTHOR.email,
    ...extra,
  };
}

async function withScratch<T>(work: (scratch: string) => Promise<T>): Promise<T> {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'cca-deliver-'));
  try {
    return await work(scratch);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Commits the workspace's files (minus SERVICE_PATHS, and what its .gitignore leaves out) on top of `base` in the
 * mirror. Returns the new commit, or undefined when the files are those of `base` (the run changed nothing).
 */
export function commitWorkspace(c: WorkspaceCommit): Promise<string | undefined> {
  return withScratch(async (scratch) => {
    const env = gitEnv(scratch, { GIT_DIR: c.mirror, GIT_WORK_TREE: c.workTree, GIT_INDEX_FILE: path.join(scratch, 'index') });
    const git = async (args: string[]) =>
      (await run('git', ['-c', 'core.bare=false', ...args], { cwd: c.workTree, env, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
    await git(['read-tree', c.base]);
    await git(['add', '--all', '--', '.', ...SERVICE_PATHS.map((p) => `:(exclude)${p}`)]);
    const tree = await git(['write-tree']);
    if (tree === (await git(['rev-parse', `${c.base}^{tree}`]))) return undefined;
    return git(['commit-tree', tree, '-p', c.base, '-m', c.message]);
  });
}

/**
 * Pushes `commit` from the mirror to `branch` of `url` (no force: a branch someone moved meanwhile refuses it). The
 * credential reaches git through its environment for this one push; git's error text has `secrets` cut out.
 */
export function pushCommit(p: { mirror: string; url: string; commit: string; branch: string; authorization?: string; secrets: string[] }): Promise<void> {
  return withScratch(async (scratch) => {
    const auth: Record<string, string> = p.authorization
      ? { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: ${p.authorization}` }
      : {};
    const env = gitEnv(scratch, { GIT_DIR: p.mirror, ...auth });
    try {
      await run('git', ['push', '--quiet', p.url, `${p.commit}:refs/heads/${p.branch}`], { cwd: p.mirror, env, timeout: GIT_TIMEOUT_MS });
    } catch (err) {
      let message = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim().split('\n').slice(-3).join(' ');
      for (const secret of [...p.secrets, p.authorization ?? '']) if (secret) message = message.split(secret).join('[REDACTED]');
      throw new Error(`could not push ${p.branch}: ${message}`);
    }
  });
}

/** The mirror's default branch (its HEAD, as cloned from the provider): where a new pull request goes. */
export async function defaultBranch(mirror: string): Promise<string> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_DIR: mirror, GIT_CONFIG_NOSYSTEM: '1' };
  const { stdout } = await run('git', ['symbolic-ref', '--short', 'HEAD'], { cwd: mirror, env, timeout: GIT_TIMEOUT_MS });
  return stdout.trim();
}

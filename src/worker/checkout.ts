import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Config } from '../config.js';
import { syncMirror } from './repo-mirror.js';

const run = promisify(execFile);
const GIT_TIMEOUT_MS = 120_000;

export interface GithubRepoTarget {
  owner: string;
  repo: string;
  issueNumber: number;
  isPullRequest: boolean;
}

/** Where repositories are cloned from: GITHUB_CLONE_URL, else the web host of GITHUB_API_URL, else github.com. */
export function cloneBase(config: Config): string {
  if (config.GITHUB_CLONE_URL) return config.GITHUB_CLONE_URL.replace(/\/$/, '');
  const api = config.GITHUB_API_URL?.replace(/\/$/, '');
  if (!api || /api\.github\.com$/.test(api)) return 'https://github.com';
  return api.replace(/\/api\/v3$/, '');
}

/**
 * Checks out the repository a GitHub task is about into its (empty) workspace, at the pull request's head for PRs,
 * so `review` and `analyze` see the code. The repository is cloned once into a mirror under DATA_DIR and fetched
 * for every later task; the workspace is a local clone of the mirror. It copies the objects rather than hard-linking
 * or borrowing them (`--shared`): a run may write anything in its workspace, and must not reach the mirror every
 * other task is checked out from. The token reaches git through its environment for the mirror's fetches only
 * (GIT_CONFIG_* → an http.extraHeader): nothing is written to any git config, and the Claude Code child, which
 * starts afterwards, never sees it.
 */
export async function checkoutRepository(config: Config, cwd: string, target: GithubRepoTarget): Promise<string> {
  const url = `${cloneBase(config)}/${target.owner}/${target.repo}.git`;
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', GIT_TERMINAL_PROMPT: '0' };
  if (config.GITHUB_TOKEN && /^https?:/.test(url)) {
    Object.assign(env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${config.GITHUB_TOKEN}`).toString('base64')}`,
    });
  }
  const plainEnv = { PATH: env.PATH!, HOME: env.HOME!, GIT_TERMINAL_PROMPT: '0' };
  const gitIn = (withToken: boolean) => (args: string[], dir: string) =>
    run('git', args, { cwd: dir, env: withToken ? env : plainEnv, timeout: GIT_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 });
  const git = (args: string[], dir = cwd) => gitIn(false)(args, dir);
  const pullRef = target.isPullRequest ? `refs/pull/${target.issueNumber}/head` : undefined;
  try {
    const mirror = await syncMirror(gitIn(true), config.dataDir, url, `${target.owner}-${target.repo}`, pullRef);
    await git(['clone', '--quiet', '--no-hardlinks', mirror, '.']);
    await git(['remote', 'set-url', 'origin', url]);
    if (pullRef) {
      await git(['fetch', '--quiet', mirror, `${pullRef}:pr-${target.issueNumber}`]);
      await git(['checkout', '--quiet', `pr-${target.issueNumber}`]);
    }
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim().split('\n').slice(-3).join(' ');
    const message = config.GITHUB_TOKEN ? stderr.split(config.GITHUB_TOKEN).join('[REDACTED]') : stderr;
    throw new Error(`could not check out ${target.owner}/${target.repo}${target.isPullRequest ? ` (PR #${target.issueNumber})` : ''}: ${message}`);
  }
  const { stdout } = await git(['rev-parse', '--short', 'HEAD']);
  return `${target.owner}/${target.repo}${target.isPullRequest ? ` PR #${target.issueNumber}` : ''} at ${stdout.trim()}`;
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Config } from '../config.js';
import { repositoryReadToken } from '../integrations/github-app-token.js';

const run = promisify(execFile);
const GIT_TIMEOUT_MS = 120_000;

export interface GithubRepoTarget {
  owner: string;
  repo: string;
  issueNumber: number;
  isPullRequest: boolean;
  /** The App installation the delivery came from; looked up from the repository when absent. */
  installationId?: number;
}

/** What a task clones into its workspace: any provider's repository (providers' adapters build these). */
export interface CheckoutSource {
  /** Clone URL, no credentials in it. */
  url: string;
  /**
   * A short-lived credential minted by the service for this checkout (e.g. a GitHub App installation token), sent
   * as git's `http.extraHeader` for the clone and fetch only: never written to .git/config, never seen by the child.
   */
  authorization?: string;
  /** Fetched after the clone and checked out: the pull/merge request's head. */
  ref?: { fetch: string; local: string };
  /** 'owner/repo PR #12': how the task log names what was checked out. */
  label: string;
  /** Values to cut out of any git error text before it is shown (the token). */
  secrets: string[];
}

/** Where repositories are cloned from: GITHUB_CLONE_URL, else the web host of GITHUB_API_URL, else github.com. */
export function cloneBase(config: Config): string {
  if (config.GITHUB_CLONE_URL) return config.GITHUB_CLONE_URL.replace(/\/$/, '');
  const api = config.GITHUB_API_URL?.replace(/\/$/, '');
  if (!api || /api\.github\.com$/.test(api)) return 'https://github.com';
  return api.replace(/\/api\/v3$/, '');
}

/**
 * Clones the repository a GitHub task is about into its (empty) workspace, and checks out the pull request's head
 * for PRs, so `review` and `analyze` see the code. With GitHub App auth the credential is an installation token the
 * service mints for this one repository, read-only; otherwise GITHUB_TOKEN. The App's key never leaves the service.
 */
export async function checkoutRepository(config: Config, cwd: string, target: GithubRepoTarget): Promise<string> {
  return cloneSource(cwd, await githubCheckoutSource(config, target));
}

/** GitHub's CheckoutSource: the clone URL, the PR head ref, and a Basic credential over http(s). */
export async function githubCheckoutSource(config: Config, target: GithubRepoTarget): Promise<CheckoutSource> {
  const url = `${cloneBase(config)}/${target.owner}/${target.repo}.git`;
  const pr = target.isPullRequest ? ` PR #${target.issueNumber}` : '';
  const label = `${target.owner}/${target.repo}${pr}`;
  const source: CheckoutSource = { url, label, secrets: [], ...(pr && { ref: { fetch: `pull/${target.issueNumber}/head`, local: `pr-${target.issueNumber}` } }) };
  if (!/^https?:/.test(url)) return source;
  let token = config.GITHUB_TOKEN;
  if (config.GITHUB_APP_ID && config.GITHUB_APP_PRIVATE_KEY) {
    const app = { appId: config.GITHUB_APP_ID, privateKey: config.GITHUB_APP_PRIVATE_KEY, baseUrl: config.GITHUB_API_URL };
    try {
      token = await repositoryReadToken(app, target.owner, target.repo, target.installationId);
    } catch (err) {
      throw new Error(`could not check out ${label}: no installation token for it (${(err as Error).message})`, { cause: err });
    }
  }
  if (!token) return source;
  return { ...source, authorization: `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`, secrets: [token] };
}

/**
 * Clones a source into the (empty) workspace and checks out its ref. The credential reaches git through its
 * environment for these commands only (GIT_CONFIG_* → an http.extraHeader): nothing is written to .git/config, and
 * the Claude Code child, which starts afterwards, never sees it.
 */
export async function cloneSource(cwd: string, source: CheckoutSource): Promise<string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', GIT_TERMINAL_PROMPT: '0' };
  if (source.authorization) {
    Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: ${source.authorization}` });
  }
  const git = (args: string[], dir = cwd) => run('git', args, { cwd: dir, env, timeout: GIT_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 });
  try {
    await git(['clone', '--quiet', '--depth', '50', '--no-tags', source.url, '.']);
    if (source.ref) {
      await git(['fetch', '--quiet', '--depth', '50', 'origin', `${source.ref.fetch}:${source.ref.local}`]);
      await git(['checkout', '--quiet', source.ref.local]);
    }
  } catch (err) {
    let message = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim().split('\n').slice(-3).join(' ');
    for (const secret of [...source.secrets, source.authorization ?? '']) if (secret) message = message.split(secret).join('[REDACTED]');
    throw new Error(`could not check out ${source.label}: ${message}`);
  }
  const { stdout } = await git(['rev-parse', '--short', 'HEAD']);
  return `${source.label} at ${stdout.trim()}`;
}

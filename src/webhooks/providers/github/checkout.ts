// What a GitHub task checks out and where the service pushes: the repository's clone URL and a credential held by
// the service (GITHUB_TOKEN, or an App installation token minted for that one repository); the App's key never
// leaves the service, and the child never sees the token.
import type { Config } from '../../../config.js';
import { repositoryPushToken, repositoryReadToken } from '../../../integrations/github-app-token.js';
import type { CheckoutSource } from '../adapter.js';

export interface GithubRepoTarget {
  owner: string;
  repo: string;
  issueNumber: number;
  isPullRequest: boolean;
  /** The App installation the delivery came from; looked up from the repository when absent. */
  installationId?: number;
}

/** Where repositories are cloned from: GITHUB_CLONE_URL, else the web host of GITHUB_API_URL, else github.com. */
export function cloneBase(config: Config): string {
  if (config.GITHUB_CLONE_URL) return config.GITHUB_CLONE_URL.replace(/\/$/, '');
  const api = config.GITHUB_API_URL?.replace(/\/$/, '');
  if (!api || /api\.github\.com$/.test(api)) return 'https://github.com';
  return api.replace(/\/api\/v3$/, '');
}

/**
 * GitHub's CheckoutSource: the clone URL, the PR head ref, and a Basic credential over http(s). `access` 'push' asks
 * for an App installation token that may push (the service's delivery of a run's changes; never the child's).
 */
export async function githubCheckoutSource(config: Config, target: GithubRepoTarget, access: 'read' | 'push' = 'read'): Promise<CheckoutSource> {
  const url = `${cloneBase(config)}/${target.owner}/${target.repo}.git`;
  const pr = target.isPullRequest ? ` PR #${target.issueNumber}` : '';
  const label = `${target.owner}/${target.repo}${pr}`;
  const source: CheckoutSource = { url, label, secrets: [], ...(pr && { ref: { fetch: `pull/${target.issueNumber}/head`, local: `pr-${target.issueNumber}` } }) };
  if (!/^https?:/.test(url)) return source;
  let token = config.GITHUB_TOKEN;
  if (config.GITHUB_APP_ID && config.GITHUB_APP_PRIVATE_KEY) {
    const app = { appId: config.GITHUB_APP_ID, privateKey: config.GITHUB_APP_PRIVATE_KEY, baseUrl: config.GITHUB_API_URL };
    try {
      const mint = access === 'push' ? repositoryPushToken : repositoryReadToken;
      token = await mint(app, target.owner, target.repo, target.installationId);
    } catch (err) {
      throw new Error(`could not check out ${label}: no installation token for it (${(err as Error).message})`, { cause: err });
    }
  }
  if (!token) return source;
  return { ...source, authorization: `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`, secrets: [token] };
}

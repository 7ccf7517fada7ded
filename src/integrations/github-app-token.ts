// Installation tokens for the worker's checkout. A GitHub App's private key stays in the service: what git gets is a
// token GitHub mints for one installation, valid for an hour, here narrowed to one repository and read access to its
// contents — all a clone and a fetch need.
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';

export interface GithubAppCredentials {
  appId: string;
  privateKey: string;
  /** REST root: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server. */
  baseUrl?: string;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
}

/** A read-only installation token for owner/repo; the installation is looked up when not given. */
export async function repositoryReadToken(app: GithubAppCredentials, owner: string, repo: string, installationId?: number): Promise<string> {
  const timeoutMs = app.timeoutMs ?? 10_000;
  const octokit = new Octokit({
    baseUrl: (app.baseUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: 'claude-code-agent',
    authStrategy: createAppAuth,
    auth: { appId: app.appId, privateKey: app.privateKey },
    request: { fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }) },
  });
  // GET /repos/{owner}/{repo}/installation is answered to the App itself (auth-app signs it with the App's JWT).
  const id = installationId ?? (await octokit.rest.apps.getRepoInstallation({ owner, repo })).data.id;
  const auth = (await octokit.auth({ type: 'installation', installationId: id, repositoryNames: [repo], permissions: { contents: 'read' } })) as { token: string };
  return auth.token;
}

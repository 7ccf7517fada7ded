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
export function repositoryReadToken(app: GithubAppCredentials, owner: string, repo: string, installationId?: number): Promise<string> {
  return repositoryToken(app, owner, repo, { contents: 'read' }, installationId);
}

/**
 * An installation token that may push branches to owner/repo (contents: write) and nothing else; the service's
 * delivery of a run's changes asks for it, and git gets it for that one push.
 */
export function repositoryPushToken(app: GithubAppCredentials, owner: string, repo: string, installationId?: number): Promise<string> {
  return repositoryToken(app, owner, repo, { contents: 'write' }, installationId);
}

async function repositoryToken(
  app: GithubAppCredentials,
  owner: string,
  repo: string,
  permissions: Record<string, 'read' | 'write'>,
  installationId?: number,
): Promise<string> {
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
  const auth = (await octokit.auth({ type: 'installation', installationId: id, repositoryNames: [repo], permissions })) as { token: string };
  return auth.token;
}

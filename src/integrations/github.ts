// GitHub REST calls the agent makes when posting back: reactions, comments, review replies, labels, permissions.
// Retries are Octokit's own plugins, plugin-retry and plugin-throttling (github-octokit.ts): the only retry layer
// here. (@octokit/auth-app still retries a 401 for up to 5 s after minting an installation token, to ride
// out GitHub's token replication delay; that is about authentication, not about failures, and is left alone.)
import { type GithubAuth, type GithubOctokit, type GithubRetryOptions, octokitPool } from './github-octokit.js';
import { IntegrationError, networkReason, parseRetryAfter } from './retry.js';

export type { GithubAuth, GithubRetryOptions } from './github-octokit.js';

export interface GithubClientOptions {
  /** REST root: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server. */
  baseUrl?: string;
  retry?: GithubRetryOptions;
  /** Per attempt, including an installation-token exchange. Default 10 s. */
  timeoutMs?: number;
  userAgent?: string;
  /**
   * Octokit's logger. Default: warnings (deprecations, auth-app notices) to console.warn, the rest dropped, because
   * Octokit's request-log plugin logs every failed attempt at error level and the caller reports the outcome.
   */
  log?: { debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void };
  /** Mostly for tests. */
  now?: () => number;
}

export type ReactionContent = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';
export type RepoPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';
export type ReactionTarget = { kind: 'issue_comment' | 'review_comment'; id: number } | { kind: 'issue'; id: number };

/** App auth only: the installation to act as, when it differs from the client's default. */
interface PerCall {
  installationId?: number;
}
interface Repo extends PerCall {
  owner: string;
  repo: string;
}

export interface GithubClient {
  /** `target.id` is the comment id for comments and the issue/PR number for `issue`. */
  addReaction(p: Repo & { target: ReactionTarget; content: ReactionContent }): Promise<{ id: number }>;
  createIssueComment(p: Repo & { issueNumber: number; body: string }): Promise<{ id: number; html_url: string }>;
  updateIssueComment(p: Repo & { commentId: number; body: string }): Promise<{ id: number; html_url: string }>;
  /** `commentId` must be a top-level review comment: GitHub does not accept replies to replies. */
  replyToReviewComment(
    p: Repo & { pullNumber: number; commentId: number; body: string },
  ): Promise<{ id: number; html_url: string }>;
  updateReviewComment(p: Repo & { commentId: number; body: string }): Promise<{ id: number; html_url: string }>;
  /** The user's effective role on the repository; 'none' when GitHub answers 404. `signal` aborts the request. */
  getPermission(p: Repo & { username: string; signal?: AbortSignal }): Promise<RepoPermission>;
  addLabels(p: Repo & { issueNumber: number; labels: string[] }): Promise<{ labels: string[] }>;
  /** Who reacted how to an issue/PR conversation comment (GitHub sends no webhook for reactions). */
  listCommentReactions(p: Repo & { commentId: number }): Promise<Array<{ content: string; login: string; isBot: boolean }>>;
  /** Opens a pull request from `head` (a branch of the same repository) into `base`. */
  createPullRequest(p: Repo & { head: string; base: string; title: string; body: string; draft: boolean }): Promise<{ number: number; html_url: string }>;
  /** A pull request's head: its branch, and the repository that branch lives in (another one for a fork's). */
  getPullRequest(p: Repo & { pullNumber: number }): Promise<{ headRef: string; headRepository: string | null; baseRef: string }>;
  /** The files a pull request changes, with their unified-diff `patch` (absent for binary or huge files). */
  listPullRequestFiles(p: Repo & { pullNumber: number }): Promise<Array<{ filename: string; patch?: string }>>;
  /** A review with a summary and comments on lines of the diff (`line` on the new side), as a plain COMMENT. */
  createReview(p: Repo & { pullNumber: number; body: string; comments: ReviewLineComment[] }): Promise<{ id: number; html_url: string }>;
}

export interface ReviewLineComment {
  path: string;
  line: number;
  body: string;
}

const ROLES: readonly RepoPermission[] = ['admin', 'maintain', 'write', 'triage', 'read', 'none'];

export function createGithubClient(auth: GithubAuth, options: GithubClientOptions = {}): GithubClient {
  const baseUrl = (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  const octokitFor = octokitPool(auth, { ...options, baseUrl, timeoutMs });

  /** Runs one REST call (the plugins retry it); `operation` names it in errors ("POST /repos/o/r/issues/1/comments"). */
  async function call<T>(installationId: number | undefined, operation: string, fn: (o: GithubOctokit) => Promise<T>) {
    const octokit = octokitFor(installationId);
    try {
      return await fn(octokit);
    } catch (error) {
      throw toIntegrationError(error, operation, baseUrl, now());
    }
  }

  const path = (owner: string, repo: string, rest: string) =>
    `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}${rest}`;

  return {
    addReaction({ owner, repo, target, content, installationId }) {
      const rest =
        target.kind === 'issue_comment'
          ? `/issues/comments/${target.id}/reactions`
          : target.kind === 'review_comment'
            ? `/pulls/comments/${target.id}/reactions`
            : `/issues/${target.id}/reactions`;
      // GitHub answers 200 with the existing reaction when it is already there, so a repeat is harmless.
      return call(installationId, `POST ${path(owner, repo, rest)}`, async (o) => {
        const { data } =
          target.kind === 'issue_comment'
            ? await o.rest.reactions.createForIssueComment({ owner, repo, comment_id: target.id, content })
            : target.kind === 'review_comment'
              ? await o.rest.reactions.createForPullRequestReviewComment({ owner, repo, comment_id: target.id, content })
              : await o.rest.reactions.createForIssue({ owner, repo, issue_number: target.id, content });
        return { id: data.id };
      });
    },

    createIssueComment({ owner, repo, issueNumber, body, installationId }) {
      return call(installationId, `POST ${path(owner, repo, `/issues/${issueNumber}/comments`)}`, async (o) => {
        const { data } = await o.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
        return { id: data.id, html_url: data.html_url };
      });
    },

    updateIssueComment({ owner, repo, commentId, body, installationId }) {
      return call(installationId, `PATCH ${path(owner, repo, `/issues/comments/${commentId}`)}`, async (o) => {
        const { data } = await o.rest.issues.updateComment({ owner, repo, comment_id: commentId, body });
        return { id: data.id, html_url: data.html_url };
      });
    },

    replyToReviewComment({ owner, repo, pullNumber, commentId, body, installationId }) {
      const rest = `/pulls/${pullNumber}/comments/${commentId}/replies`;
      return call(installationId, `POST ${path(owner, repo, rest)}`, async (o) => {
        const { data } = await o.rest.pulls.createReplyForReviewComment({
          owner,
          repo,
          pull_number: pullNumber,
          comment_id: commentId,
          body,
        });
        return { id: data.id, html_url: data.html_url };
      });
    },

    updateReviewComment({ owner, repo, commentId, body, installationId }) {
      return call(installationId, `PATCH ${path(owner, repo, `/pulls/comments/${commentId}`)}`, async (o) => {
        const { data } = await o.rest.pulls.updateReviewComment({ owner, repo, comment_id: commentId, body });
        return { id: data.id, html_url: data.html_url };
      });
    },

    async getPermission({ owner, repo, username, installationId, signal }) {
      const rest = `/collaborators/${encodeURIComponent(username)}/permission`;
      try {
        return await call(installationId, `GET ${path(owner, repo, rest)}`, async (o) => {
          const { data } = await o.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username, request: { signal } });
          return effectivePermission(data.role_name, data.permission);
        });
      } catch (error) {
        if (error instanceof IntegrationError && error.status === 404) return 'none';
        throw error;
      }
    },

    addLabels({ owner, repo, issueNumber, labels, installationId }) {
      return call(installationId, `POST ${path(owner, repo, `/issues/${issueNumber}/labels`)}`, async (o) => {
        const { data } = await o.rest.issues.addLabels({ owner, repo, issue_number: issueNumber, labels });
        return { labels: data.map((l) => l.name) };
      });
    },

    listCommentReactions({ owner, repo, commentId, installationId }) {
      return call(installationId, `GET ${path(owner, repo, `/issues/comments/${commentId}/reactions`)}`, async (o) => {
        const { data } = await o.rest.reactions.listForIssueComment({ owner, repo, comment_id: commentId, per_page: 100 });
        return data.map((r) => ({ content: r.content, login: r.user?.login ?? '', isBot: r.user?.type === 'Bot' }));
      });
    },

    createPullRequest({ owner, repo, head, base, title, body, draft, installationId }) {
      return call(installationId, `POST ${path(owner, repo, '/pulls')}`, async (o) => {
        const { data } = await o.rest.pulls.create({ owner, repo, head, base, title, body, draft });
        return { number: data.number, html_url: data.html_url };
      });
    },

    getPullRequest({ owner, repo, pullNumber, installationId }) {
      return call(installationId, `GET ${path(owner, repo, `/pulls/${pullNumber}`)}`, async (o) => {
        const { data } = await o.rest.pulls.get({ owner, repo, pull_number: pullNumber });
        return { headRef: data.head.ref, headRepository: data.head.repo?.full_name ?? null, baseRef: data.base.ref };
      });
    },

    listPullRequestFiles({ owner, repo, pullNumber, installationId }) {
      return call(installationId, `GET ${path(owner, repo, `/pulls/${pullNumber}/files`)}`, async (o) => {
        const files = await o.paginate(o.rest.pulls.listFiles, { owner, repo, pull_number: pullNumber, per_page: 100 });
        return files.map((f) => ({ filename: f.filename, ...(f.patch !== undefined && { patch: f.patch }) }));
      });
    },

    createReview({ owner, repo, pullNumber, body, comments, installationId }) {
      return call(installationId, `POST ${path(owner, repo, `/pulls/${pullNumber}/reviews`)}`, async (o) => {
        const lines = comments.map((c) => ({ path: c.path, line: c.line, side: 'RIGHT', body: c.body }));
        const { data } = await o.rest.pulls.createReview({ owner, repo, pull_number: pullNumber, body, event: 'COMMENT', comments: lines });
        return { id: data.id, html_url: data.html_url };
      });
    },
  };
}

/**
 * `permission` is the legacy field (maintain is reported as write, triage as read); `role_name` has the real role,
 * or the name of a custom repository role, in which case the legacy base level is the best we know.
 */
export function effectivePermission(roleName: string | undefined, permission: string | undefined): RepoPermission {
  const asRole = (v: string | undefined) => ROLES.find((r) => r === v);
  return asRole(roleName) ?? asRole(permission) ?? 'none';
}

interface OctokitRequestError {
  name: string;
  status: number;
  message: string;
  request?: { method?: string; url?: string };
  response?: { headers: Record<string, string | undefined>; data?: unknown };
  cause?: unknown;
}

function isRequestError(e: unknown): e is OctokitRequestError {
  return e instanceof Error && e.name === 'HttpError' && typeof (e as { status?: unknown }).status === 'number';
}

/** Octokit's RequestError → IntegrationError. The RequestError itself is dropped: it holds the request options. */
function toIntegrationError(error: unknown, operation: string, baseUrl: string, nowMs: number): unknown {
  if (!isRequestError(error)) return error;
  // A failed token exchange surfaces here too; name the request that actually failed.
  const { method, url } = error.request ?? {};
  const failed = method && url ? `${method} ${url.replace(baseUrl, '').split('?')[0]}` : operation;
  if (!error.response) {
    const reason = networkReason(error.cause ?? error);
    return new IntegrationError({ provider: 'GitHub', operation: failed, network: true, providerMessage: reason });
  }
  const headers = error.response.headers;
  const data = error.response.data as { message?: unknown } | undefined;
  return new IntegrationError({
    provider: 'GitHub',
    operation: failed,
    status: error.status,
    providerMessage: typeof data?.message === 'string' ? data.message : undefined,
    retryAfterMs: githubRetryAfterMs(headers, nowMs),
  });
}

/** Secondary limits send Retry-After; an exhausted primary limit sends x-ratelimit-remaining: 0 and a reset time. */
function githubRetryAfterMs(headers: Record<string, string | undefined>, nowMs: number): number | undefined {
  const retryAfter = parseRetryAfter(headers['retry-after'], nowMs);
  if (retryAfter !== undefined) return retryAfter;
  const reset = Number(headers['x-ratelimit-reset']);
  if (headers['x-ratelimit-remaining'] === '0' && Number.isFinite(reset)) return Math.max(0, reset * 1000 - nowMs);
  return undefined;
}

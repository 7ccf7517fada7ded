// GitLab REST v4 through @gitbeaker/rest: notes on issues and merge requests, award emoji on a note, a member's
// access level, project and merge request details, opening a merge request. gitbeaker's own request handler retries
// 429 and 502 ten times within a quarter of a second; it is replaced by one that makes a single attempt and reports an
// IntegrationError, so withRetry stays the only retry layer (as for Slack, Jira and Sentry) and 500/503/Retry-After
// are handled alike.
import { IssueNoteAwardEmojis, IssueNotes, MergeRequestNoteAwardEmojis, MergeRequestNotes, MergeRequests, ProjectMembers, Projects } from '@gitbeaker/rest';
import { createRequesterFn, type RequestOptions } from '@gitbeaker/requester-utils';
import { IntegrationError, networkReason, parseRetryAfter, withRetry, type RetryOptions } from './retry.js';

export interface GitlabClientOptions {
  /** The instance, e.g. https://gitlab.com or https://gitlab.example.com (without /api/v4). */
  baseUrl: string;
  token: string;
  retry?: RetryOptions;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
}

/** What a note hangs on: GitLab's REST paths differ between issues and merge requests, the ids do not. */
export interface NoteableRef {
  projectId: number | string;
  noteable: 'issue' | 'merge_request';
  /** The project-scoped number (#12, !7), not the global id. */
  iid: number;
}

/** GitLab's access levels (Guest 10, Planner 15, Reporter 20, Developer 30, Maintainer 40, Owner 50); 0: no access. */
export type AccessLevel = number;

export interface GitlabClient {
  /** `internal`: an internal note, seen only by project members with Reporter access or above. */
  createNote(p: NoteableRef & { body: string; internal?: boolean }): Promise<{ id: number }>;
  editNote(p: NoteableRef & { noteId: number; body: string }): Promise<void>;
  /** Awards an emoji (by name, e.g. 'eyes') to a note; one the token's user already awarded counts as done. */
  awardNoteEmoji(p: NoteableRef & { noteId: number; name: string }): Promise<void>;
  /** The user's effective access level on the project, inherited from groups included; 0 when not a member. */
  accessLevel(p: { projectId: number | string; userId: number }): Promise<AccessLevel>;
  project(projectId: number | string): Promise<{ id: number; pathWithNamespace: string; defaultBranch: string | null }>;
  mergeRequest(p: { projectId: number | string; iid: number }): Promise<{ sourceBranch: string; sourceProjectId: number; sha: string | null }>;
  /** Opens a merge request from `sourceBranch` (same project) into `targetBranch`; a `Draft:` title makes a draft. */
  createMergeRequest(p: { projectId: number | string; sourceBranch: string; targetBranch: string; title: string; description: string }): Promise<{ iid: number; webUrl: string }>;
}

export function createGitlabClient(options: GitlabClientOptions): GitlabClient {
  const resource = {
    host: options.baseUrl.replace(/\/+$/, '').replace(/\/api\/v4$/, ''),
    token: options.token,
    queryTimeout: options.timeoutMs ?? 10_000,
    requesterFn: createRequesterFn((_, requestOptions) => Promise.resolve(requestOptions), singleAttempt),
  };
  const notes = { issue: new IssueNotes(resource), merge_request: new MergeRequestNotes(resource) };
  const emoji = { issue: new IssueNoteAwardEmojis(resource), merge_request: new MergeRequestNoteAwardEmojis(resource) };
  const members = new ProjectMembers(resource);
  const projects = new Projects(resource);
  const mergeRequests = new MergeRequests(resource);
  const retried = <T>(fn: () => Promise<T>) => withRetry(fn, options.retry);

  return {
    async createNote({ projectId, noteable, iid, body, internal }) {
      const note = await retried<{ id: number }>(() => notes[noteable].create(projectId, iid, body, internal ? { internal } : undefined));
      return { id: note.id };
    },
    async editNote({ projectId, noteable, iid, noteId, body }) {
      await retried<unknown>(() => notes[noteable].edit(projectId, iid, noteId, { body }));
    },
    async awardNoteEmoji({ projectId, noteable, iid, noteId, name }) {
      try {
        await retried(() => emoji[noteable].award(projectId, iid, noteId, name));
      } catch (error) {
        // A redelivered note gets the same emoji again; GitLab refuses the second award as taken.
        if (error instanceof IntegrationError && /already been taken/i.test(error.providerMessage ?? '')) return;
        throw error;
      }
    },
    async accessLevel({ projectId, userId }) {
      try {
        const member = await retried(() => members.show(projectId, userId, { includeInherited: true }));
        return typeof member.access_level === 'number' ? member.access_level : 0;
      } catch (error) {
        if (error instanceof IntegrationError && error.status === 404) return 0;
        throw error;
      }
    },
    async project(projectId) {
      const p = await retried(() => projects.show(projectId));
      return { id: p.id, pathWithNamespace: p.path_with_namespace, defaultBranch: p.default_branch ?? null };
    },
    async mergeRequest({ projectId, iid }) {
      const mr = await retried(() => mergeRequests.show(projectId, iid));
      return { sourceBranch: mr.source_branch, sourceProjectId: mr.source_project_id, sha: mr.sha ?? null };
    },
    async createMergeRequest({ projectId, sourceBranch, targetBranch, title, description }) {
      // A retry never opens a second one: GitLab refuses another open merge request from the same source branch (409).
      const mr = await retried(() => mergeRequests.create(projectId, sourceBranch, targetBranch, title, { description }));
      return { iid: mr.iid, webUrl: mr.web_url };
    },
  };
}

/** gitbeaker's request handler contract, one attempt: the parsed body, or an IntegrationError naming what failed. */
async function singleAttempt(endpoint: string, options: Record<string, unknown> = {}) {
  const { prefixUrl = '', searchParams, method = 'GET', headers, body, signal } = options as RequestOptions;
  const url = new URL(endpoint, prefixUrl.endsWith('/') ? prefixUrl : `${prefixUrl}/`);
  url.search = searchParams ?? '';
  // The path names the resource, never a credential (the token travels in a header).
  const operation = `${method} ${url.pathname.replace(/^.*?\/api\/v4/, '')}`;
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body, signal });
  } catch (error) {
    throw new IntegrationError({ provider: 'GitLab', operation, network: true, providerMessage: networkReason(error) });
  }
  const text = await response.text().catch(() => '');
  const data = parseJson(text);
  if (!response.ok) {
    throw new IntegrationError({
      provider: 'GitLab',
      operation,
      status: response.status,
      providerMessage: gitlabMessage(data, text),
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    });
  }
  return { body: (data ?? {}) as Record<string, unknown>, headers: Object.fromEntries(response.headers.entries()), status: response.status };
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** GitLab answers `{"message": "404 Not found"}`, `{"message": {"field": ["…"]}}` or `{"error": "…"}`. */
function gitlabMessage(data: unknown, text: string): string | undefined {
  if (data && typeof data === 'object') {
    const { message, error } = data as { message?: unknown; error?: unknown };
    const found = message ?? error;
    if (typeof found === 'string') return found.slice(0, 200);
    if (found !== undefined) return JSON.stringify(found).slice(0, 200);
  }
  return text.trim().slice(0, 200) || undefined;
}

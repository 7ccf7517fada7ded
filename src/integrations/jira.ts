// Jira Cloud comments through jira.js 5 (Version3Client, REST v3). v3 takes comment bodies as ADF documents only;
// jira.js would wrap a plain string into a single paragraph, losing paragraph breaks, so the ADF is built here.
// jira.js (axios underneath) does not retry; withRetry is the only retry layer.
import { Version3Client } from 'jira.js';
import { IntegrationError, networkReason, parseRetryAfter, withRetry, type RetryOptions } from './retry.js';

export interface JiraClientOptions {
  /** Site root, e.g. https://your-team.atlassian.net. */
  baseUrl: string;
  email: string;
  apiToken: string;
  retry?: RetryOptions;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
}

export interface JiraClient {
  addComment(p: { issueKey: string; text: string }): Promise<{ id: string }>;
  updateComment(p: { issueKey: string; commentId: string; text: string }): Promise<{ id: string }>;
  /** A new issue in `projectKey` (an issue the service opens for a run, src/webhooks/providers/jira/ticket.ts); not retried. */
  createIssue(p: { projectKey: string; issueType: string; summary: string; text: string; labels?: string[] }): Promise<{ id: string; key: string }>;
  /** The issue carrying `label`, if any (how the service finds the issue it opened for a task before opening another). */
  findIssueByLabel(label: string): Promise<{ id: string; key: string } | undefined>;
}

/** The subset of Atlassian Document Format this client writes. */
export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfParagraph[];
}
export interface AdfParagraph {
  type: 'paragraph';
  content: ({ type: 'text'; text: string } | { type: 'hardBreak' })[];
}

/**
 * Plain text → ADF: blank lines separate paragraphs, single newlines become hard breaks. ADF forbids empty text
 * nodes, so empty lines inside a paragraph and empty input produce no text node.
 */
export function textToAdf(text: string): AdfDoc {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n+/)
    .map((p) => p.replace(/^\n+|\n+$/g, ''))
    .filter((p) => p.trim().length > 0);
  const content = paragraphs.map((paragraph): AdfParagraph => {
    const nodes: AdfParagraph['content'] = [];
    paragraph.split('\n').forEach((line, i) => {
      if (i > 0) nodes.push({ type: 'hardBreak' });
      if (line.length > 0) nodes.push({ type: 'text', text: line });
    });
    return { type: 'paragraph', content: nodes };
  });
  return { type: 'doc', version: 1, content: content.length > 0 ? content : [{ type: 'paragraph', content: [] }] };
}

export function createJiraClient(options: JiraClientOptions): JiraClient {
  const client = new Version3Client({
    host: options.baseUrl.replace(/\/+$/, ''),
    authentication: { basic: { email: options.email, apiToken: options.apiToken } },
    baseRequestConfig: { timeout: options.timeoutMs ?? 10_000 },
  });

  function call<T>(operation: string, fn: () => Promise<T>, retry: RetryOptions | undefined = options.retry): Promise<T> {
    return withRetry(async () => {
      try {
        return await fn();
      } catch (error) {
        throw toIntegrationError(error, operation);
      }
    }, retry);
  }

  return {
    async addComment({ issueKey, text }) {
      const key = encodeURIComponent(issueKey);
      const comment = await call(`POST /rest/api/3/issue/${key}/comment`, () =>
        client.issueComments.addComment({ issueIdOrKey: key, comment: textToAdf(text) }),
      );
      return { id: requireId(comment.id, 'addComment') };
    },

    async updateComment({ issueKey, commentId, text }) {
      const key = encodeURIComponent(issueKey);
      const id = encodeURIComponent(commentId);
      const comment = await call(`PUT /rest/api/3/issue/${key}/comment/${id}`, () =>
        client.issueComments.updateComment({ issueIdOrKey: key, id, body: textToAdf(text) }),
      );
      return { id: requireId(comment.id, 'updateComment') };
    },

    async createIssue({ projectKey, issueType, summary, text, labels }) {
      const fields = { project: { key: projectKey }, issuetype: { name: issueType }, summary, description: textToAdf(text), ...(labels ? { labels } : {}) };
      // Tried once: a 5xx or a lost answer may still have created the issue, so the caller looks for it (by label)
      // before it tries again, rather than this opening a second one.
      const issue = await call('POST /rest/api/3/issue', () => client.issues.createIssue({ fields }), { ...options.retry, delaysMs: [] });
      return { id: requireId(issue.id, 'createIssue'), key: requireId(issue.key, 'createIssue') };
    },

    async findIssueByLabel(label) {
      // Jira's search index lags writes by seconds: this finds an issue whose create answer was lost once it is indexed;
      // the caller keeps the key it got in its own progress for everything quicker.
      const found = await call('GET /rest/api/3/search/jql', () =>
        client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: `labels = "${label.replace(/["\\]/g, '')}"`, fields: ['key'], maxResults: 1 }),
      );
      const issue = found.issues?.[0];
      return issue?.id && issue.key ? { id: issue.id, key: issue.key } : undefined;
    },
  };
}

function requireId(id: string | undefined, what: string): string {
  if (!id) {
    throw new IntegrationError({ provider: 'Jira', operation: what, providerMessage: `response had no ${what === 'createIssue' ? 'issue id or key' : 'comment id'}` });
  }
  return id;
}

/**
 * jira.js throws an HttpException (status, response.data) when Jira answered, and the bare AxiosError when it did
 * not. Both hold the axios request config, Authorization header included, as `cause`/`config`: keep neither.
 */
function toIntegrationError(error: unknown, operation: string): unknown {
  const e = error as {
    name?: string;
    status?: number;
    isAxiosError?: boolean;
    response?: { data?: unknown };
    cause?: { response?: { headers?: Record<string, unknown> & { get?: (n: string) => unknown } } };
  };
  const base = { provider: 'Jira', operation };
  if (e?.name === 'HttpException' && typeof e.status === 'number') {
    const headers = e.cause?.response?.headers;
    const retryAfter = headers?.get?.('retry-after') ?? headers?.['retry-after'];
    return new IntegrationError({
      ...base,
      status: e.status,
      providerMessage: jiraMessage(e.response?.data),
      retryAfterMs: parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined),
    });
  }
  if (e?.isAxiosError) return new IntegrationError({ ...base, network: true, providerMessage: networkReason(error) });
  return error;
}

/** Jira's error body: `{ errorMessages: string[], errors: { field: message } }`. */
function jiraMessage(data: unknown): string | undefined {
  if (!data || typeof data !== 'object') return typeof data === 'string' && data ? data.slice(0, 200) : undefined;
  const { errorMessages, errors } = data as { errorMessages?: unknown; errors?: unknown };
  const parts = [
    ...(Array.isArray(errorMessages) ? errorMessages.filter((m): m is string => typeof m === 'string') : []),
    ...(errors && typeof errors === 'object'
      ? Object.entries(errors).map(([field, m]) => `${field}: ${String(m)}`)
      : []),
  ];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

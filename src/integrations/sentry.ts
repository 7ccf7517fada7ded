// Sentry issue comments ("notes") over plain fetch: Sentry publishes no Node client for its REST API.
//
// Endpoint (getsentry/sentry GroupNotesEndpoint, url name sentry-api-0-group-notes; the same one Sentry's UI uses):
//   POST /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/comments/   body {"text": "…"} → 201 Activity {id, …}
//   POST /api/0/issues/{issue_id}/comments/   (older form, marked deprecated upstream in favour of the one above)
//   PUT  …/issues/{issue_id}/comments/{note_id}/   body {"text": "…"} → 200 (GroupNotesDetailsEndpoint; only the
//        note's author may edit it, so the same user-backed token that posted it)
// Caveats, from Sentry's source: the endpoint is not in the public API reference (publish status PRIVATE); it needs
// a user-backed token (a user auth token or an internal-integration token, scope event:write) — an organization
// auth token gets 403 "Key doesn't have permission to create Note"; posting the same text to the same issue twice
// within an hour gets 400 "You have already posted that comment."
import { IntegrationError, networkReason, parseRetryAfter, withRetry, type RetryOptions } from './retry.js';

export interface SentryClientOptions {
  /** Sentry host: https://sentry.io, a regional host such as https://us.sentry.io, or a self-hosted URL. */
  baseUrl?: string;
  authToken: string;
  /** Used when a call does not name its organization. Recommended: the org-scoped path is the current one. */
  organizationSlug?: string;
  retry?: RetryOptions;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
}

export interface SentryClient {
  addIssueComment(p: { issueId: string | number; text: string; organizationSlug?: string }): Promise<{ id: string }>;
  updateIssueComment(p: { issueId: string | number; commentId: string; text: string; organizationSlug?: string }): Promise<{ id: string }>;
}

export function createSentryClient(options: SentryClientOptions): SentryClient {
  // Accept the host with or without the /api/0 suffix people copy from the API docs.
  const root = (options.baseUrl ?? 'https://sentry.io').replace(/\/+$/, '').replace(/\/api\/0$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function send(method: 'POST' | 'PUT', path: string, body: unknown): Promise<unknown> {
    const operation = `${method} ${path}`;
    return withRetry(async () => {
      let response: Response;
      try {
        response = await fetch(root + path, {
          method,
          headers: {
            authorization: `Bearer ${options.authToken}`,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new IntegrationError({ provider: 'Sentry', operation, network: true, providerMessage: networkReason(error) });
      }
      const text = await response.text().catch(() => '');
      const data = parseJson(text);
      if (!response.ok) {
        throw new IntegrationError({
          provider: 'Sentry',
          operation,
          status: response.status,
          providerMessage: sentryMessage(data, text),
          retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        });
      }
      return data;
    }, options.retry);
  }

  /** The org-scoped path when an organization is known (the current form), else the older one. */
  function notesPath(issueId: string | number, organizationSlug: string | undefined): string {
    const org = organizationSlug ?? options.organizationSlug;
    const issue = encodeURIComponent(String(issueId));
    return org ? `/api/0/organizations/${encodeURIComponent(org)}/issues/${issue}/comments/` : `/api/0/issues/${issue}/comments/`;
  }

  async function noteId(method: 'POST' | 'PUT', path: string, body: unknown): Promise<{ id: string }> {
    const note = (await send(method, path, body)) as { id?: unknown } | undefined;
    if (note?.id === undefined || note.id === null) {
      throw new IntegrationError({ provider: 'Sentry', operation: `${method} ${path}`, providerMessage: 'response had no comment id' });
    }
    return { id: String(note.id) };
  }

  return {
    addIssueComment({ issueId, text, organizationSlug }) {
      return noteId('POST', notesPath(issueId, organizationSlug), { text });
    },
    updateIssueComment({ issueId, commentId, text, organizationSlug }) {
      return noteId('PUT', `${notesPath(issueId, organizationSlug)}${encodeURIComponent(commentId)}/`, { text });
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Sentry answers `{"detail": "…"}`, or field errors such as `{"text": ["This field is required."]}`. */
function sentryMessage(data: unknown, text: string): string | undefined {
  if (data && typeof data === 'object') {
    const { detail } = data as { detail?: unknown };
    if (typeof detail === 'string') return detail;
    return JSON.stringify(data).slice(0, 200);
  }
  return text.trim().slice(0, 200) || undefined;
}

// Local stand-in for the Jira Cloud REST v3 API (see test/support/fakes/http.ts for the common recording machinery).
import { type FakeProvider, json, type Req, type Route, startFake } from './http.js';

/**
 * Comment create/update, issue create, and the JQL search by label (`labels = "x"`, the only query it understands).
 * Bodies must be ADF documents, as on v3; a plain string gets Jira's 400.
 */
export interface FakeJira extends FakeProvider {
  /** The next `n` issue creates are made but answered 500, as when Jira fails after the write or the answer is lost. */
  loseCreates(n: number): void;
}

export function startFakeJira(): Promise<FakeJira> {
  const comments = new Map<string, { issue: string; body: unknown }>();
  const issues: { id: string; key: string; labels: string[] }[] = [];
  let lost = 0;
  const issueCounts = new Map<string, number>();
  let nextId = 10_000;
  const errors = (status: number, errorMessages: string[], fieldErrors: Record<string, string> = {}) =>
    json(status, { errorMessages, errors: fieldErrors });
  const isAdf = (b: unknown) =>
    Boolean(b) && typeof b === 'object' && (b as { type?: unknown }).type === 'doc' && (b as { version?: unknown }).version === 1 &&
    Array.isArray((b as { content?: unknown }).content);
  const basic = (req: Req) => (req.authorization ?? '').toLowerCase().startsWith('basic ');
  const view = (id: string, issue: string, body: unknown, url: string) => ({
    self: `${url}/rest/api/3/issue/${issue}/comment/${id}`,
    id,
    author: { accountId: '5b10a2844c20165700ede21g', displayName: 'Claude Code Agent', active: true },
    body,
    created: new Date().toISOString(),
    updated: new Date().toISOString(),
    jsdPublic: true,
  });
  let baseUrl = '';

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/rest\/api\/3\/issue\/(?<issue>[^/]+)\/comment$/,
      handle(req, p) {
        if (!basic(req)) return errors(401, ['You are not authenticated. Authentication required to perform this operation.']);
        if (!isAdf(req.body?.body)) return errors(400, [], { comment: 'Comment body is not valid!' });
        const id = String(nextId++);
        comments.set(id, { issue: p.issue!, body: req.body.body });
        return json(201, view(id, p.issue!, req.body.body, baseUrl));
      },
    },
    {
      method: 'PUT',
      pattern: /^\/rest\/api\/3\/issue\/(?<issue>[^/]+)\/comment\/(?<id>[^/]+)$/,
      handle(req, p) {
        if (!basic(req)) return errors(401, ['You are not authenticated. Authentication required to perform this operation.']);
        const existing = comments.get(p.id!);
        if (!existing || existing.issue !== p.issue) return errors(404, [`Can not find a comment for the id: ${p.id}.`]);
        if (!isAdf(req.body?.body)) return errors(400, [], { comment: 'Comment body is not valid!' });
        existing.body = req.body.body;
        return json(200, view(p.id!, p.issue!, req.body.body, baseUrl));
      },
    },
    {
      // Create issue: project key, issue type and summary required, description ADF; keys numbered per project.
      method: 'POST',
      pattern: /^\/rest\/api\/3\/issue$/,
      handle(req) {
        if (!basic(req)) return errors(401, ['You are not authenticated. Authentication required to perform this operation.']);
        const f = req.body?.fields ?? {};
        const problems: Record<string, string> = {};
        if (typeof f.project?.key !== 'string') problems.project = 'Specify a valid project ID or key';
        if (typeof f.issuetype?.name !== 'string') problems.issuetype = 'Specify an issue type';
        if (typeof f.summary !== 'string' || !f.summary.trim() || f.summary.length > 255) problems.summary = 'You must specify a summary of the issue.';
        if (f.description !== undefined && !isAdf(f.description)) problems.description = 'Operation value must be an Atlassian Document.';
        if (Object.keys(problems).length) return errors(400, [], problems);
        const n = (issueCounts.get(f.project.key) ?? 0) + 1;
        issueCounts.set(f.project.key, n);
        const id = String(nextId++);
        issues.push({ id, key: `${f.project.key}-${n}`, labels: Array.isArray(f.labels) ? f.labels : [] });
        if (lost > 0 && lost--) return errors(500, ['Internal server error']);
        return json(201, { id, key: `${f.project.key}-${n}`, self: `${baseUrl}/rest/api/3/issue/${id}` });
      },
    },
    {
      method: 'GET',
      pattern: /^\/rest\/api\/3\/search\/jql$/,
      handle(req) {
        if (!basic(req)) return errors(401, ['You are not authenticated. Authentication required to perform this operation.']);
        const label = /^labels = "([^"]+)"$/.exec(req.query.jql ?? '')?.[1];
        if (!label) return errors(400, ['The fake Jira understands only: labels = "<label>"']);
        const found = issues.filter((i) => i.labels.includes(label)).map(({ id, key }) => ({ id, key, self: `${baseUrl}/rest/api/3/issue/${id}`, fields: {} }));
        return json(200, { issues: found, isLast: true });
      },
    },
  ];

  return startFake({
    routes,
    notFound: () => errors(404, ['Not found']),
    failure: (status) => ({ json: { errorMessages: [status === 429 ? 'Rate limit exceeded.' : 'Internal server error'], errors: {} } }),
  }).then((fake) => {
    baseUrl = fake.url;
    return Object.assign(fake, { loseCreates: (n: number) => void (lost = n) });
  });
}

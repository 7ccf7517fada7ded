// Local stand-in for the Sentry API (see test/support/fakes/http.ts for the common recording machinery).
import { type FakeProvider, json, type Req, type Route, startFake } from './http.js';

/**
 * Issue comments (notes), both URL forms: created, and edited by id (PUT, as Sentry's GroupNotesDetailsEndpoint; an
 * unknown note or one on another issue → 404). Like Sentry, repeats the same text on an issue → 400.
 */
export function startFakeSentry(): Promise<FakeProvider> {
  const posted = new Set<string>();
  const notes = new Map<string, { issue: string; text: string }>();
  let nextId = 5000;
  const bearer = (req: Req) => (req.authorization ?? '').toLowerCase().startsWith('bearer ');
  const unauthenticated = () => json(401, { detail: 'Authentication credentials were not provided.' });
  const note = (id: string, text: string) => ({
    id,
    user: { id: '1', name: 'claude-code-agent', username: 'claude-code-agent' },
    type: 'note',
    data: { text },
    dateCreated: new Date().toISOString(),
  });
  const routes: Route[] = [
    {
      method: 'PUT',
      pattern: /^\/api\/0\/(?:organizations\/(?<org>[^/]+)\/)?issues\/(?<issue>\d+)\/comments\/(?<id>\d+)\/$/,
      handle(req, p) {
        if (!bearer(req)) return unauthenticated();
        const existing = notes.get(p.id!);
        if (!existing || existing.issue !== p.issue) return json(404, { detail: 'The requested resource does not exist' });
        const text = req.body?.text;
        if (typeof text !== 'string' || text === '') return json(400, { text: ['This field is required.'] });
        existing.text = text;
        return json(200, note(p.id!, text));
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/0\/(?:organizations\/(?<org>[^/]+)\/)?issues\/(?<issue>\d+)\/comments\/$/,
      handle(req, p) {
        if (!bearer(req)) return unauthenticated();
        const text = req.body?.text;
        if (typeof text !== 'string' || text === '') return json(400, { text: ['This field is required.'] });
        const key = `${p.issue}\n${text}`;
        if (posted.has(key)) return json(400, { detail: 'You have already posted that comment.' });
        posted.add(key);
        const id = String(nextId++);
        notes.set(id, { issue: p.issue!, text });
        return json(201, note(id, text));
      },
    },
  ];
  return startFake({
    routes,
    notFound: () => json(404, { detail: 'The requested resource does not exist' }),
    failure: (status) => ({
      json: { detail: status === 429 ? 'You are attempting to use this endpoint too frequently.' : 'Internal Error' },
    }),
  });
}

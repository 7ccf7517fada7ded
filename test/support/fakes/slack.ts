// Local stand-in for the Slack Web API (see test/support/fakes/http.ts for the common recording machinery).
import { type FakeProvider, json, type Req, type Route, startFake } from './http.js';

/**
 * Web API methods under /api/<method> (point WebClient's slackApiUrl at `${url}/api/`), and slash-command
 * response URLs under POST /respond/<id>. Platform errors are HTTP 200 with {ok:false,error}, as Slack does.
 */
export function startFakeSlack(): Promise<FakeProvider> {
  const reactions = new Set<string>();
  let messages = 0;
  const ok = (body: Record<string, unknown> = {}) => json(200, { ok: true, ...body });
  const error = (code: string) => json(200, { ok: false, error: code });
  const authed = (req: Req) => Boolean(req.authorization) || (req.body && typeof req.body === 'object' && 'token' in req.body);

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/api\/reactions\.add$/,
      handle(req) {
        if (!authed(req)) return error('not_authed');
        const { channel, timestamp, name } = req.body ?? {};
        if (!channel || !timestamp || !name) return error('invalid_arguments');
        const key = `${channel}/${timestamp}/${name}`;
        if (reactions.has(key)) return error('already_reacted');
        reactions.add(key);
        return ok();
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/chat\.postMessage$/,
      handle(req) {
        if (!authed(req)) return error('not_authed');
        const { channel, text, blocks, thread_ts } = req.body ?? {};
        if (!channel) return error('channel_not_found');
        if (!text && !blocks) return error('no_text');
        messages += 1;
        const ts = `${1_700_000_000 + messages}.000100`;
        return ok({ channel, ts, message: { type: 'message', text, ts, ...(thread_ts ? { thread_ts } : {}) } });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/chat\.update$/,
      handle(req) {
        if (!authed(req)) return error('not_authed');
        const { channel, ts, text } = req.body ?? {};
        if (!channel || !ts) return error('message_not_found');
        return ok({ channel, ts, text });
      },
    },
    { method: 'POST', pattern: /^\/respond\/[^/]+$/, handle: () => ({ status: 200, text: 'ok' }) },
    { method: 'POST', pattern: /^\/api\/[\w.]+$/, handle: () => ok() },
  ];

  return startFake({
    routes,
    notFound: () => ({ status: 404, text: 'Not Found' }),
    failure: (status) => (status === 429 ? { json: { ok: false, error: 'ratelimited' } } : { text: 'upstream failure' }),
  });
}

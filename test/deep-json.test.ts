// Deep JSON refused before it reaches any handler (issue 10, item 9): a body nested deeper than 64 levels is a 400
// naming the problem on every JSON route of the API and on the webhook routes (which read their body as text to check
// signatures). Before, a 20,000-deep payload gave 500 in a dry run and on a generic delivery (JSON.stringify and the
// rule engine overflowed the stack), and one unsigned 6,000-deep array made the delivery inspector answer 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLive, startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { SERVICE_SETUPS } from './support/services.js';
import { sendBody } from './support/send-webhook.js';
import { signGeneric, signGithub } from './support/signing.js';

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const TOO_DEEP = /deeper than 64 levels/;
const SECRET = 'gh-secret';

const dialects = SERVICE_SETUPS;

for (const dialect of dialects) {
  describe.skipIf(dialect.skip)(`deep JSON on ${dialect.name}`, () => {
    let model: ScriptedModel;
    let h: Harness;

    beforeAll(async () => {
      model = await startScriptedModel();
      h = await startHarness({ model, distributed: dialect.distributed, env: { GITHUB_WEBHOOK_SECRET: SECRET } });
    });
    afterAll(async () => {
      await h?.close();
      await model?.close();
    });

    const raw = (method: string, p: string, body: string, headers: Record<string, string> = {}) => sendBody(h.url, p, body, headers, method);

    it('every JSON route of the API answers a 20,000-deep body with a 400 naming the depth, and stores nothing', async () => {
      const before = (await h.request('GET', '/api/tasks')).body.tasks.length;
      const deep = `{"message":"hi","extra":${deepObject(20_000)}}`;
      for (const [method, p] of [
        ['POST', '/api/chat'],
        ['POST', '/api/conversations'],
        ['POST', '/api/webhooks'],
        ['POST', '/api/webhooks/static/github/test'],
        ['POST', '/api/registry/agents'],
        ['POST', '/api/budgets'],
      ]) {
        const res = await raw(method!, p!, deep);
        expect(res.status, `${method} ${p}`).toBe(400);
        expect(res.body.error, `${method} ${p}`).toMatch(TOO_DEEP);
      }
      const dryRun = await raw('POST', '/api/webhooks/static/github/test', `{"payload":${deepArray(20_000)}}`);
      expect(dryRun.status).toBe(400);
      expect((await h.request('GET', '/api/tasks')).body.tasks.length).toBe(before);
    });

    it('a JSON body at the limit is still read', async () => {
      const res = await raw('POST', '/api/webhooks/static/github/test', `{"payload":{"x":${deepArray(62)}},"event_type":"issues.opened"}`);
      expect(res.status).toBe(200);
    });

    it('a signed deep delivery is a 400 on the built-in and on a dynamic route', async () => {
      const deep = `{"action":"created","x":${deepArray(20_000)}}`;
      const gh = await raw('POST', '/webhooks/github', deep, { 'x-github-event': 'issue_comment', 'x-github-delivery': 'deep-1', 'x-hub-signature-256': signGithub(SECRET, deep) });
      expect(gh.status).toBe(400);
      expect(gh.body.error).toMatch(TOO_DEEP);

      const created = await h.request('POST', '/api/webhooks', { name: 'deep', provider: 'generic' });
      const generic = await raw('POST', `/webhooks/generic/${created.body.webhook_id}`, deep, { 'x-signature-256': signGeneric(created.body.secret, deep) });
      expect(generic.status).toBe(400);
      expect(generic.body.error).toMatch(TOO_DEEP);
      const form = `payload=${encodeURIComponent(deep)}`;
      const formed = await raw('POST', '/webhooks/github', form, {
        'content-type': 'application/x-www-form-urlencoded',
        'x-github-event': 'issue_comment',
        'x-github-delivery': 'deep-2',
        'x-hub-signature-256': signGithub(SECRET, form),
      });
      expect(formed.status).toBe(400);
      expect(formed.body.error).toMatch(TOO_DEEP);
      // The inspector still answers, with the refused deliveries in it.
      const page = await h.request('GET', `/api/webhooks/${created.body.webhook_id}/events`);
      expect(page.status).toBe(200);
    });

    it('an unsigned 6,000-deep array is a 401, and the delivery inspector still answers afterwards', async () => {
      const res = await raw('POST', '/webhooks/github', deepArray(6000), { 'x-github-event': 'issue_comment' });
      expect(res.status).toBe(401);
      const page = await h.request('GET', '/api/webhooks/static/github/events');
      expect(page.status).toBe(200);
      expect(page.body.events.length).toBeGreaterThan(0);
    });

    it('a deep WebSocket message gets an error naming the depth, and the socket keeps working', async () => {
      const live = await connectLive(`${h.url.replace('http', 'ws')}/ws/deep-session`);
      try {
        live.sendRaw(deepArray(100_000));
        const error = await live.waitFor((e) => e.type === 'error' && TOO_DEEP.test(e.error), 10_000);
        expect(error.error).toMatch(TOO_DEEP);
        live.send({ type: 'ping' });
        await live.waitFor((e) => e.type === 'pong', 10_000);
      } finally {
        live.close();
      }
    });
  });
}

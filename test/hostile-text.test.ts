// Text every database stores (issue 10, item 6): NUL and lone UTF-16 surrogates reach the database through chat,
// webhooks, path parameters and titles. PostgreSQL refuses a NUL byte in text ("invalid byte sequence for encoding
// UTF8: 0x00") where SQLite takes it, so the same request gave 500 on one dialect and 201 on the other. Both now store
// U+FFFD in their place. Also here: deep JSON refused with a 400 before any handler (item 9).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGithub, type FakeProvider, startFakeGithub, startFakeSlack } from './support/fake-providers.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { SERVICE_SETUPS } from './support/services.js';
import { fixture, nextDeliveryId, sendBody, webhookEnv, webhookSender, type WebhookSender } from './support/send-webhook.js';

const NUL = '\u0000';
const LONE = '\ud800';
const REPLACEMENT = '\ufffd';
let counter = 0;

const dialects = SERVICE_SETUPS;

for (const dialect of dialects) {
  describe.skipIf(dialect.skip)(`hostile text on ${dialect.name}`, () => {
    let model: ScriptedModel;
    let github: FakeGithub;
    let slack: FakeProvider;
    let h: Harness;
    let send: WebhookSender;

    beforeAll(async () => {
      model = await startScriptedModel();
      github = await startFakeGithub({ permissions: { writer: 'write' } });
      slack = await startFakeSlack();
      h = await startHarness({
        model,
        distributed: dialect.distributed,
        env: { ...webhookEnv({ github: github.url, slack: slack.url }), SLACK_BOT_USER_ID: 'U0LAN0Z89' },
      });
      send = webhookSender(h.url);
    });
    afterAll(async () => {
      await h?.close();
      await Promise.all([model, github, slack].map((s) => s?.close()));
    });

    const sendGithub = (body: string) => send.githubBody('issue_comment', body);
    const sendSlack = (body: string) => send.slackBody(body);
    /** `@agent fix …` from a collaborator with write access: the task waits for approval, so no run starts. */
    const githubComment = (text: string) => {
      const payload = fixture('github/issue_comment.created.json');
      payload.comment.body = text;
      payload.comment.id = 900_000 + ++counter;
      payload.comment.user.login = 'writer';
      payload.sender.login = 'writer';
      payload.issue.number = 5000 + counter;
      return JSON.stringify(payload);
    };

    it('(finding 5) NUL and a lone surrogate in POST /api/chat are stored as U+FFFD, the same on both dialects', async () => {
      const res = await h.request('POST', '/api/chat', { message: `before${NUL}middle${LONE}after` });
      expect(res.status).toBe(202);
      const task = await h.request('GET', `/api/tasks/${res.body.task_id}`);
      expect(task.status).toBe(200);
      expect(task.body.input_message).toBe(`before${REPLACEMENT}middle${REPLACEMENT}after`);
      await h.request('POST', `/api/tasks/${res.body.task_id}/cancel`);
    });

    it('(finding 5) NUL in a GitHub comment is accepted, and the task keeps the text with U+FFFD', async () => {
      const res = await sendGithub(githubComment(`@agent fix the crash${NUL} in the parser${LONE}`));
      expect(res.status).toBe(202);
      const task = await h.request('GET', `/api/tasks/${res.body.task_id}`);
      expect(task.body.status).toBe('waiting_approval');
      expect(JSON.stringify(task.body)).not.toContain('\\u0000');
    });

    it('(finding 5) NUL in a Slack message does not fail the delivery', async () => {
      const payload = fixture('slack/app_mention.json');
      payload.event_id = nextDeliveryId('Ev');
      payload.event.ts = `${Date.now() / 1000}`;
      payload.event.text = `<@U0LAN0Z89> help${NUL}${LONE}`;
      const res = await sendSlack(JSON.stringify(payload));
      expect(res.status).toBeLessThan(500);
      expect(res.status).not.toBe(400);
    });

    it('NUL in path parameters is an unknown id (404), and bytes that are not UTF-8 a 400, never a 500', async () => {
      const paths = (id: string) => [
        ['GET', `/api/tasks/${id}`],
        ['GET', `/api/tasks/${id}/events`],
        ['POST', `/api/tasks/${id}/cancel`],
        ['GET', `/api/conversations/${id}`],
        ['GET', `/api/webhooks/${id}`],
        ['POST', `/webhooks/generic/${id}`],
      ] as const;
      for (const [id, expected] of [['%00', 404], ['a%00b', 404], ['%ED%A0%80', [400, 404]], ['%F0%9F', [400, 404]]] as const) {
        for (const [method, p] of paths(id)) {
          const res = method === 'POST' ? await sendBody(h.url, p, '{}') : await h.request(method, p);
          if (Array.isArray(expected)) expect(expected, `${method} ${p} answered ${res.status}`).toContain(res.status);
          else expect(res.status, `${method} ${p}`).toBe(expected);
        }
      }
      expect((await h.request('GET', '/api/tasks?conversation_id=%00')).status).toBeLessThan(500);
    });

    it('a WebSocket upgrade refused for a path that is not UTF-8 gets a 400 and its connection closed', async () => {
      const { hostname, port } = new URL(h.url);
      const socket = net.connect({ host: hostname, port: Number(port) });
      let answer = '';
      socket.setEncoding('utf8').on('data', (chunk) => (answer += chunk));
      const closed = new Promise<boolean>((resolve) => {
        socket.once('close', () => resolve(true));
        setTimeout(() => resolve(false), 5000);
      });
      socket.write('GET /ws/%FF HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
      const wasClosed = await closed;
      socket.destroy();
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
      expect(answer).toContain('not UTF-8');
      expect(wasClosed, 'the server left the refused connection open').toBe(true);
    });

    it('a conversation title with NUL is stored with U+FFFD, on create and on rename', async () => {
      const created = await h.request('POST', '/api/conversations', { title: `plan${NUL}${LONE}` });
      expect(created.status).toBe(201);
      expect(created.body.title).toBe(`plan${REPLACEMENT}${REPLACEMENT}`);
      const renamed = await h.request('PATCH', `/api/conversations/${created.body.conversation_id}`, { title: `x${NUL}y` });
      expect(renamed.status).toBe(200);
      expect(renamed.body.title).toBe(`x${REPLACEMENT}y`);
    });

    it('a raw NUL body to /webhooks/github without a signature is 401', async () => {
      const res = await fetch(`${h.url}/webhooks/github`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment' }, body: `{"a":"${NUL}"}${NUL}${NUL}` });
      expect(res.status).toBe(401);
      const page = await h.request('GET', '/api/webhooks/static/github/events');
      expect(page.status).toBe(200);
    });

    it('a 4 KB Slack event_id is accepted once and its redelivery is a duplicate (long dedup keys are hashed)', async () => {
      const payload = fixture('slack/app_mention.json');
      payload.event_id = `Ev${'x'.repeat(4096)}${NUL}`;
      payload.event.ts = `${Date.now() / 1000}`;
      const body = JSON.stringify(payload);
      const first = await sendSlack(body);
      expect(first.status).toBeLessThan(300);
      const again = await sendSlack(body);
      expect(again.status).toBe(200);
      expect(again.body.duplicate).toBe(true);
    });
  });
}

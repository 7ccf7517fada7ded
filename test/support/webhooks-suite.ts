// The shared set-up of the webhook tests (test/webhooks.test.ts: GitHub; test/webhooks-chat-and-alerts.test.ts: Slack,
// Jira, Sentry): a service against the scripted model and the fake providers, with the senders and look-ups they use.
import { afterAll, beforeAll, expect } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import type { FakeProvider } from './fake-providers.js';
import { startScriptedModel, type ScriptedModel } from './scripted-model.js';
import { type FakeProviders, sendBody, startFakeProviders, webhookSender, type WebhookSender } from './send-webhook.js';

process.env.CLAUDE_CODE_MAX_RETRIES = '1';

export interface WebhooksSuite {
  model: ScriptedModel;
  h: Harness;
  fakes: FakeProviders;
  signed: WebhookSender;
  post(p: string, body: string, headers: Record<string, string>): ReturnType<typeof sendBody>;
  sendGithub(payload: unknown, opts?: { delivery?: string; event?: string; signature?: string; body?: string }): ReturnType<WebhookSender['githubBody']>;
  sendSlack(payload: unknown, opts?: { ts?: number; retry?: string; contentType?: string; body?: string }): ReturnType<WebhookSender['slackBody']>;
  taskCount(): Promise<number>;
  callsTo(fake: FakeProvider, method: string, re: RegExp): FakeProvider['calls'];
}

/** Registers the suite's set-up and tear-down; the fields are filled in once beforeAll has run. */
export function webhooksSuite(): WebhooksSuite {
  const ctx = {} as WebhooksSuite;
  ctx.post = (p, body, headers) => sendBody(ctx.h.url, p, body, headers);
  ctx.sendGithub = (payload, opts = {}) => ctx.signed.githubBody(opts.event ?? 'issue_comment', opts.body ?? JSON.stringify(payload), opts);
  ctx.sendSlack = (payload, opts = {}) => ctx.signed.slackBody(opts.body ?? JSON.stringify(payload), opts);
  ctx.taskCount = async () => (await ctx.h.request('GET', '/api/tasks?limit=200')).body.tasks.length;
  ctx.callsTo = (fake, method, re) => fake.calls.filter((c) => c.method === method && re.test(c.path));

  beforeAll(async () => {
    ctx.model = await startScriptedModel();
    ctx.fakes = await startFakeProviders({ permissions: { Codertocat: 'admin', writer: 'write', reader: 'read' } });
    ctx.h = await startHarness({
      model: ctx.model,
      env: {
        ...ctx.fakes.env,
        GITHUB_BOT_LOGIN: 'agent-bot',
        SLACK_BOT_USER_ID: 'U0LAN0Z89',
        SLACK_NOTIFY_CHANNEL: 'C0NOTIFY',
        PROGRESS_UPDATE_SECONDS: '0.2',
        APPROVAL_POLL_SECONDS: '0.3',
        PUBLIC_URL: 'https://agent.example.com',
      },
    });
    ctx.signed = webhookSender(ctx.h.url);
  });
  afterAll(async () => {
    // Whatever the file sent (GitHub here, Slack/Jira/Sentry in the other): no signature header is ever stored.
    if (ctx.h) {
      const stored = JSON.stringify((await ctx.h.services.repos.webhookEvents.list({ limit: 500 })).map((e) => e.headers));
      expect(stored).not.toMatch(/x-hub-signature|x-slack-signature|sentry-hook-signature|x-gitlab-token/);
    }
    await ctx.h?.close();
    await Promise.all([ctx.model, ctx.fakes].map((s) => s?.close()));
  });
  return ctx;
}

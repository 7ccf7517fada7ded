import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../src/paths.js';
import { fixture, nextDeliveryId, WEBHOOK_SECRETS } from './support/send-webhook.js';
import { signJira, signSentry } from './support/signing.js';
import { eventually } from './support/eventually.js';
import { webhooksSuite } from './support/webhooks-suite.js';

// Slack, Jira and Sentry deliveries; GitHub is in webhooks.test.ts (the shared set-up is test/support/webhooks-suite.ts).
describe('webhooks: verified, deduplicated, permission-checked, and answered back', () => {
  const ctx = webhooksSuite();
  const { post, sendSlack, callsTo } = ctx;

  describe('Slack', () => {
    it('answers url_verification with the challenge, only when signed', async () => {
      const body = fs.readFileSync(path.join(projectRoot, 'test/fixtures/slack/url_verification.json'), 'utf8');
      const ok = await sendSlack(undefined, { body });
      expect(ok.status).toBe(200);
      expect(ok.body).toBe('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
      const forged = await post('/webhooks/slack', body, { 'content-type': 'application/json', 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)), 'x-slack-signature': 'v0=00' });
      expect(forged.status).toBe(401);
    });

    it('rejects a stale or future timestamp', async () => {
      const payload = fixture('slack/app_mention.json');
      expect((await sendSlack(payload, { ts: Math.floor(Date.now() / 1000) - 301 })).status).toBe(401);
      expect((await sendSlack(payload, { ts: Math.floor(Date.now() / 1000) + 301 })).status).toBe(401);
    });

    it('a mention gets 👀, a threaded reply updated in place with the result; a retry is a duplicate', async () => {
      const payload = fixture('slack/app_mention.json');
      payload.event_id = nextDeliveryId('Ev');
      payload.event.ts = `${Math.floor(Date.now() / 1000)}.000200`;
      payload.event.text = '<@U0LAN0Z89> analyze [[script:steps 2 300]] is it everything a river should be?';
      const res = await sendSlack(payload);
      expect(res.status).toBe(202);
      const retry = await sendSlack(payload, { retry: '1' });
      expect(retry).toMatchObject({ status: 200, body: { duplicate: true, task_id: res.body.task_id } });
      const task = await ctx.h.waitForTask(res.body.task_id);
      expect(task.status).toBe('completed');
      expect(callsTo(ctx.fakes.slack, 'POST', /reactions\.add$/).some((c) => c.body.name === 'eyes' && c.body.timestamp === payload.event.ts)).toBe(true);
      const posted = callsTo(ctx.fakes.slack, 'POST', /chat\.postMessage$/).filter((c) => c.body.thread_ts === payload.event.ts);
      expect(posted).toHaveLength(1);
      await eventually(() => callsTo(ctx.fakes.slack, 'POST', /chat\.update$/).some((c) => String(c.body.text).includes('Done after 2 steps.')));
    });

    it('a command that needs approval waits; the Approve button (signed interactivity) starts it', async () => {
      const added = await ctx.h.request('POST', '/api/webhooks/static/slack/commands', {
        name: 'deploy',
        trigger: 'app_mention',
        description: 'Deploys the service',
        template: 'Deploy: {{user_content}}',
        permissions: { permission_mode: 'acceptEdits' },
        needs_approval: true,
      });
      expect(added.status).toBe(201);
      const payload = fixture('slack/app_mention.json');
      payload.event_id = nextDeliveryId('Ev');
      payload.event.ts = `${Math.floor(Date.now() / 1000)}.000300`;
      payload.event.text = '<@U0LAN0Z89> deploy [[script:text Deployed from Slack.]] to staging';
      const res = await sendSlack(payload);
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('waiting_approval');
      await eventually(() => callsTo(ctx.fakes.slack, 'POST', /chat\.postMessage$/).some((c) => JSON.stringify(c.body.blocks ?? '').includes('approve')));
      const click = {
        type: 'block_actions',
        trigger_id: nextDeliveryId('trig'),
        user: { id: 'U061F7AUR', username: 'alice' },
        team: { id: 'T123ABC456' },
        channel: { id: payload.event.channel },
        container: { type: 'message', channel_id: payload.event.channel, message_ts: '1700000001.000100', thread_ts: payload.event.ts },
        message: { ts: '1700000001.000100', thread_ts: payload.event.ts },
        actions: [{ action_id: 'approve', block_id: `approval:${res.body.task_id}`, value: res.body.task_id, type: 'button' }],
      };
      const form = `payload=${encodeURIComponent(JSON.stringify(click))}`;
      const approved = await sendSlack(undefined, { body: form, contentType: 'application/x-www-form-urlencoded' });
      expect(approved.body).toEqual({ approved: res.body.task_id });
      expect(await ctx.h.waitForTask(res.body.task_id)).toMatchObject({ status: 'completed', output: 'Deployed from Slack.', rule: 'user:slack:deploy' });
    });

    it('a slash command is acknowledged at once and answered through its response_url', async () => {
      const fields = new URLSearchParams({
        token: 'x', team_id: 'T1', team_domain: 'acme', channel_id: 'C777', channel_name: 'ops', user_id: 'U2CERLKJA', user_name: 'roadrunner',
        command: '/agent', text: 'analyze [[script:text Answered the slash command.]] our error rate', response_url: `${ctx.fakes.slack.url}/respond/abc`, trigger_id: nextDeliveryId('trig'),
      });
      const res = await sendSlack(undefined, { body: fields.toString(), contentType: 'application/x-www-form-urlencoded' });
      expect(res.status).toBe(202);
      await ctx.h.waitForTask(res.body.task_id);
      await eventually(() => callsTo(ctx.fakes.slack, 'POST', /\/respond\/abc$/).some((c) => String(c.body.text).includes('Answered the slash command.')));
    });

    it('ignores the bot\'s own messages', async () => {
      const payload = fixture('slack/app_mention.json');
      payload.event_id = nextDeliveryId('Ev');
      payload.event.user = 'U0LAN0Z89';
      payload.event.text = '<@U0LAN0Z89> analyze myself';
      const res = await sendSlack(payload);
      expect(res.status).toBe(200);
      expect(res.body.ignored).toBeTruthy();
    });
  });

  describe('Jira', () => {
    it('a comment creates a task and the result is commented on the issue; unsigned is 401', async () => {
      const payload = fixture('jira/comment_created.json');
      payload.comment.body = '@agent analyze [[script:text Jira analysis done.]] why does it fail?';
      payload.comment.author.accountId = 'acct-1';
      payload.comment.created = payload.comment.updated = new Date().toISOString();
      const body = JSON.stringify(payload);
      const headers = { 'content-type': 'application/json', 'x-atlassian-webhook-identifier': nextDeliveryId('jira') };
      expect((await post('/webhooks/jira', body, headers)).status).toBe(401);
      const res = await post('/webhooks/jira', body, { ...headers, 'x-hub-signature': signJira(WEBHOOK_SECRETS.jira, body) });
      expect(res.status).toBe(202);
      expect((await post('/webhooks/jira', body, { ...headers, 'x-hub-signature': signJira(WEBHOOK_SECRETS.jira, body) })).body.duplicate).toBe(true);
      const task = await ctx.h.waitForTask(res.body.task_id);
      expect(task.status).toBe('completed');
      // The comment posted when the run started is edited into the result.
      await eventually(() => callsTo(ctx.fakes.jira, 'PUT', /\/rest\/api\/3\/issue\/PROJ-5\/comment\/\d+$/).some((c) => JSON.stringify(c.body).includes('Jira analysis done.')));
      // Start and finish notices go to SLACK_NOTIFY_CHANNEL.
      await eventually(() => callsTo(ctx.fakes.slack, 'POST', /chat\.postMessage$/).filter((c) => c.body.channel === 'C0NOTIFY' && String(c.body.text).includes(task.task_id)).length === 2);
    });
  });

  describe('Sentry', () => {
    it('an issue alert runs analyze and comments on the Sentry issue', async () => {
      const body = JSON.stringify(fixture('sentry/event_alert_triggered.json'));
      const headers = {
        'content-type': 'application/json',
        'request-id': nextDeliveryId('sentry').replace(/-/g, ''),
        'sentry-hook-resource': 'event_alert',
        'sentry-hook-timestamp': String(Math.floor(Date.now() / 1000)),
      };
      expect((await post('/webhooks/sentry', body, { ...headers, 'sentry-hook-signature': signSentry('nope', body) })).status).toBe(401);
      const res = await post('/webhooks/sentry', body, { ...headers, 'sentry-hook-signature': signSentry(WEBHOOK_SECRETS.sentry, body) });
      expect(res.status).toBe(202);
      const task = await ctx.h.waitForTask(res.body.task_id);
      expect(task).toMatchObject({ status: 'completed', rule: 'builtin:sentry:analyze' });
      await eventually(() => callsTo(ctx.fakes.sentry, 'POST', /\/issues\/1117540176\/comments\/$/).length > 0);
    });
  });
});

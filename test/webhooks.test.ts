import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/paths.js';
import { startHarness, type Harness } from './support/harness.js';
import type { FakeProvider } from './support/fake-providers.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { type FakeProviders, fixture, nextDeliveryId, sendBody, startFakeProviders, WEBHOOK_SECRETS, webhookSender, type WebhookSender } from './support/send-webhook.js';
import { signGithub, signJira, signSentry } from './support/signing.js';
import { eventually } from './support/eventually.js';

process.env.CLAUDE_CODE_MAX_RETRIES = '1';

let deliveries = 0;

/** A GitHub issue_comment.created delivery from the octokit example, with our own comment text and commenter. */
function githubComment(text: string, login = 'Codertocat', opts: { issue?: number; type?: string } = {}) {
  const payload = fixture('github/issue_comment.created.json');
  payload.comment.body = text;
  payload.comment.id = 900_000 + ++deliveries;
  payload.comment.user.login = login;
  payload.sender.login = login;
  payload.sender.type = opts.type ?? 'User';
  if (opts.issue) payload.issue.number = opts.issue;
  return payload;
}

describe('webhooks: verified, deduplicated, permission-checked, and answered back', () => {
  let model: ScriptedModel;
  let h: Harness;
  let fakes: FakeProviders;
  let signed: WebhookSender;

  beforeAll(async () => {
    model = await startScriptedModel();
    fakes = await startFakeProviders({ permissions: { Codertocat: 'admin', writer: 'write', reader: 'read' } });
    h = await startHarness({
      model,
      env: {
        ...fakes.env,
        GITHUB_BOT_LOGIN: 'agent-bot',
        SLACK_BOT_USER_ID: 'U0LAN0Z89',
        SLACK_NOTIFY_CHANNEL: 'C0NOTIFY',
        PROGRESS_UPDATE_SECONDS: '0.2',
        APPROVAL_POLL_SECONDS: '0.3',
        PUBLIC_URL: 'https://agent.example.com',
      },
    });
    signed = webhookSender(h.url);
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([model, fakes].map((s) => s?.close()));
  });

  const post = (p: string, body: string, headers: Record<string, string>) => sendBody(h.url, p, body, headers);
  const sendGithub = (payload: unknown, opts: { delivery?: string; event?: string; signature?: string; body?: string } = {}) =>
    signed.githubBody(opts.event ?? 'issue_comment', opts.body ?? JSON.stringify(payload), opts);
  const sendSlack = (payload: unknown, opts: { ts?: number; retry?: string; contentType?: string; body?: string } = {}) =>
    signed.slackBody(opts.body ?? JSON.stringify(payload), opts);
  const taskCount = async () => (await h.request('GET', '/api/tasks?limit=200')).body.tasks.length;
  const callsTo = (fake: FakeProvider, method: string, re: RegExp) => fake.calls.filter((c) => c.method === method && re.test(c.path));

  describe('GitHub', () => {
    it('accepts a signed delivery once; a redelivery is a duplicate; tampered or unsigned is 401', async () => {
      const before = await taskCount();
      const payload = githubComment('@agent analyze [[script:text Analysis done.]] what is this?');
      const body = JSON.stringify(payload);
      const delivery = nextDeliveryId('gh');
      const first = await sendGithub(payload, { delivery, body });
      expect(first.status).toBe(202);
      expect(first.body.task_id).toMatch(/^task_/);
      const again = await sendGithub(payload, { delivery, body });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ duplicate: true, task_id: first.body.task_id });
      expect((await sendGithub(payload, { body: body.replace('analyze', 'fix') , signature: signGithub(WEBHOOK_SECRETS.github, body) })).status).toBe(401);
      const unsigned = await sendGithub(payload, { signature: 'none' });
      expect(unsigned.status).toBe(401);
      expect(unsigned.body.error).toContain('X-Hub-Signature-256');
      expect((await sendGithub(payload, { signature: signGithub('wrong-secret', body) })).body.error).toContain('GITHUB_WEBHOOK_SECRET');
      expect(await taskCount()).toBe(before + 1);
      await h.waitForTask(first.body.task_id);
    });

    it('answers ping, ignores bots, its own login and comments without the trigger phrase', async () => {
      const ping = await sendGithub({ zen: 'Keep it logically awesome.', hook_id: 1 }, { event: 'ping' });
      expect(ping.status).toBe(200);
      const before = await taskCount();
      const bot = await sendGithub(githubComment('@agent review', 'dependabot[bot]', { type: 'Bot' }));
      expect(bot).toMatchObject({ status: 200, body: { ignored: expect.stringContaining('bot') } });
      const self = await sendGithub(githubComment('@agent review', 'agent-bot'));
      expect(self).toMatchObject({ status: 200, body: { ignored: expect.stringContaining('bot') } });
      const chatter = await sendGithub(githubComment('Looks good to me'));
      expect(chatter.status).toBe(200);
      expect(chatter.body.ignored).toBeTruthy();
      expect(await taskCount()).toBe(before);
    });

    it('refuses a user without write permission, politely, and runs nothing', async () => {
      // The first time, reader's permission is not cached: the delivery is answered at once and its task refused once
      // GitHub has answered (test/permission-wait.test.ts); the next is refused from the cache, with no task at all.
      const first = await sendGithub(githubComment('@agent review please', 'reader', { issue: 77 }));
      expect(first.status).toBe(202);
      expect(await h.waitForTask(first.body.task_id)).toMatchObject({ status: 'cancelled', started_at: null });
      const before = await taskCount();
      const res = await sendGithub(githubComment('@agent review again', 'reader', { issue: 77 }));
      expect(res.status).toBe(200);
      expect(res.body.refused).toContain('reader has read permission');
      expect(await taskCount()).toBe(before);
      await eventually(() => callsTo(fakes.github, 'POST', /\/issues\/77\/comments$/).length === 2);
      for (const c of callsTo(fakes.github, 'POST', /\/issues\/77\/comments$/)) expect(c.body.body).toContain("can't run `review`");
    });

    it('answers help from the table without a model run', async () => {
      model.reset();
      const res = await sendGithub(githubComment('@agent help', 'writer', { issue: 78 }));
      expect(res).toMatchObject({ status: 200, body: { answered: 'help' } });
      await eventually(() => callsTo(fakes.github, 'POST', /\/issues\/78\/comments$/).length === 1);
      const help = callsTo(fakes.github, 'POST', /\/issues\/78\/comments$/)[0]!.body.body as string;
      for (const name of ['analyze', 'plan', 'fix', 'review', 'improve', 'approve', 'reject']) expect(help).toContain(name);
      expect(model.requests).toHaveLength(0);
    });

    it('@agent review: 👀 at once, one progress comment edited as the run goes, the result in it; a second command resumes the session', async () => {
      const issue = 42;
      const res = await sendGithub(githubComment('@agent review [[script:steps 3 400]] the latest changes', 'Codertocat', { issue }));
      expect(res.status).toBe(202);
      const task = await h.waitForTask(res.body.task_id);
      expect(task).toMatchObject({ status: 'completed', source: 'github', requester: 'github:Codertocat', rule: 'builtin:github:review' });
      expect(task.permission_mode).toBe('default');

      const reactions = callsTo(fakes.github, 'POST', /\/issues\/comments\/\d+\/reactions$/);
      expect(reactions.some((c) => c.body.content === 'eyes')).toBe(true);
      const created = callsTo(fakes.github, 'POST', new RegExp(`/issues/${issue}/comments$`));
      expect(created).toHaveLength(1);
      // This task's edits only: a run of an earlier test may still be editing its own comment.
      const ownEdits = () => callsTo(fakes.github, 'PATCH', /\/issues\/comments\/\d+$/).filter((c) => String(c.body.body).includes(task.task_id));
      await eventually(() => ownEdits().some((c) => String(c.body.body).includes('finished')));
      const edits = ownEdits().filter((c) => String(c.body.body).includes('Claude Code Agent'));
      expect(edits.length).toBeGreaterThanOrEqual(3); // at least two progress edits and the final one
      expect(edits.some((e) => String(e.body.body).includes('echo step'))).toBe(true);
      const final = String(edits.at(-1)!.body.body);
      expect(final).toContain('Done after 3 steps.');
      expect(final).toContain(`https://agent.example.com/tasks/${task.task_id}`);
      expect(final).toMatch(/\$\d+\.\d{4}/);

      // Same issue, next command: same conversation, same Claude session.
      model.reset();
      const next = await sendGithub(githubComment('@agent plan [[script:text The plan.]] next steps', 'Codertocat', { issue }));
      const second = await h.waitForTask(next.body.task_id);
      expect(second.status).toBe('completed');
      expect(second.conversation_id).toBe(task.conversation_id);
      expect(second.claude_session_id).toBe(task.claude_session_id);
      expect(model.requests.find((r) => r.script === 'text')?.sessionId).toBe(task.claude_session_id);
    });

    it('retries a failing post-back, and a post that keeps failing is recorded on the task, which still completes', async () => {
      const issue = 91;
      const res = await sendGithub(githubComment('@agent analyze [[script:text Done anyway.]] please', 'Codertocat', { issue }));
      expect(res.status).toBe(202);
      fakes.github.failNext(1, 502); // the 👀 reaction or the first post meets a 502 and is retried
      const task = await h.waitForTask(res.body.task_id);
      expect(task.status).toBe('completed');
      await eventually(() => callsTo(fakes.github, 'PATCH', /\/issues\/comments\/\d+$/).some((c) => String(c.body.body).includes('Done anyway.')));
      expect(fakes.github.calls.some((c) => c.status === 502)).toBe(true);

      const next = await sendGithub(githubComment('@agent analyze [[script:text Still fine.]] again', 'Codertocat', { issue: 92 }));
      fakes.github.failNext(40, 500); // GitHub is down for the whole run
      const second = await h.waitForTask(next.body.task_id);
      expect(second.status).toBe('completed');
      await eventually(async () => !!(await h.request('GET', `/api/tasks/${next.body.task_id}`)).body.post_back_error, 'the post-back error is recorded', 30_000);
      expect((await h.request('GET', `/api/tasks/${next.body.task_id}`)).body.post_back_error).toMatch(/GitHub .* failed: 500/);
      fakes.github.failNext(0, 500);
    });

    it('a fix from a non-maintainer waits for approval; approve runs it, reject cancels the next', async () => {
      const issue = 55;
      const res = await sendGithub(githubComment('@agent fix [[script:text Fixed.]] the bug', 'writer', { issue }));
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('waiting_approval');
      expect((await h.request('GET', `/api/tasks/${res.body.task_id}`)).body.status).toBe('waiting_approval');
      await eventually(() => callsTo(fakes.github, 'POST', new RegExp(`/issues/${issue}/comments$`)).some((c) => String(c.body.body).includes('approve')));

      const approve = await sendGithub(githubComment('@agent approve', 'Codertocat', { issue }));
      expect(approve).toMatchObject({ status: 200, body: { approved: res.body.task_id } });
      const fixed = await h.waitForTask(res.body.task_id);
      expect(fixed).toMatchObject({ status: 'completed', output: 'Fixed.', permission_mode: 'acceptEdits' });

      // GitHub sends no webhook for reactions: a 👍 on the approval comment from someone with write access approves.
      const byThumb = await sendGithub(githubComment('@agent fix [[script:text Fixed by thumb.]] more', 'writer', { issue: 56 }));
      expect(byThumb.body.status).toBe('waiting_approval');
      let approvalComment: number | undefined;
      await eventually(async () => {
        const posts = await h.services.repos.webhookEvents.postsForTask(byThumb.body.task_id);
        approvalComment = posts.map((p) => Number(p.external_id.replace('comment:', ''))).find(Boolean);
        return approvalComment !== undefined;
      });
      fakes.github.react(approvalComment!, 'reader', '+1'); // read access: does not count
      await new Promise((r) => setTimeout(r, 1000));
      expect((await h.request('GET', `/api/tasks/${byThumb.body.task_id}`)).body.status).toBe('waiting_approval');
      fakes.github.react(approvalComment!, 'Codertocat', '+1');
      expect(await h.waitForTask(byThumb.body.task_id)).toMatchObject({ status: 'completed', output: 'Fixed by thumb.' });

      const second = await sendGithub(githubComment('@agent fix [[script:text never]] again', 'writer', { issue }));
      expect(second.body.status).toBe('waiting_approval');
      const reject = await sendGithub(githubComment('@agent reject', 'Codertocat', { issue }));
      expect(reject).toMatchObject({ status: 200, body: { rejected: second.body.task_id } });
      expect((await h.request('GET', `/api/tasks/${second.body.task_id}`)).body).toMatchObject({ status: 'cancelled', error: 'rejected by Codertocat', started_at: null });
    });
  });

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
      const task = await h.waitForTask(res.body.task_id);
      expect(task.status).toBe('completed');
      expect(callsTo(fakes.slack, 'POST', /reactions\.add$/).some((c) => c.body.name === 'eyes' && c.body.timestamp === payload.event.ts)).toBe(true);
      const posted = callsTo(fakes.slack, 'POST', /chat\.postMessage$/).filter((c) => c.body.thread_ts === payload.event.ts);
      expect(posted).toHaveLength(1);
      await eventually(() => callsTo(fakes.slack, 'POST', /chat\.update$/).some((c) => String(c.body.text).includes('Done after 2 steps.')));
    });

    it('a command that needs approval waits; the Approve button (signed interactivity) starts it', async () => {
      const added = await h.request('POST', '/api/webhooks/static/slack/commands', {
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
      await eventually(() => callsTo(fakes.slack, 'POST', /chat\.postMessage$/).some((c) => JSON.stringify(c.body.blocks ?? '').includes('approve')));
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
      expect(await h.waitForTask(res.body.task_id)).toMatchObject({ status: 'completed', output: 'Deployed from Slack.', rule: 'user:slack:deploy' });
    });

    it('a slash command is acknowledged at once and answered through its response_url', async () => {
      const fields = new URLSearchParams({
        token: 'x', team_id: 'T1', team_domain: 'acme', channel_id: 'C777', channel_name: 'ops', user_id: 'U2CERLKJA', user_name: 'roadrunner',
        command: '/agent', text: 'analyze [[script:text Answered the slash command.]] our error rate', response_url: `${fakes.slack.url}/respond/abc`, trigger_id: nextDeliveryId('trig'),
      });
      const res = await sendSlack(undefined, { body: fields.toString(), contentType: 'application/x-www-form-urlencoded' });
      expect(res.status).toBe(202);
      await h.waitForTask(res.body.task_id);
      await eventually(() => callsTo(fakes.slack, 'POST', /\/respond\/abc$/).some((c) => String(c.body.text).includes('Answered the slash command.')));
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
      const task = await h.waitForTask(res.body.task_id);
      expect(task.status).toBe('completed');
      // The comment posted when the run started is edited into the result.
      await eventually(() => callsTo(fakes.jira, 'PUT', /\/rest\/api\/3\/issue\/PROJ-5\/comment\/\d+$/).some((c) => JSON.stringify(c.body).includes('Jira analysis done.')));
      // Start and finish notices go to SLACK_NOTIFY_CHANNEL.
      await eventually(() => callsTo(fakes.slack, 'POST', /chat\.postMessage$/).filter((c) => c.body.channel === 'C0NOTIFY' && String(c.body.text).includes(task.task_id)).length === 2);
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
      const task = await h.waitForTask(res.body.task_id);
      expect(task).toMatchObject({ status: 'completed', rule: 'builtin:sentry:analyze' });
      await eventually(() => callsTo(fakes.sentry, 'POST', /\/issues\/1117540176\/comments\/$/).length > 0);
    });
  });

  it('stores every delivery with its verification result and what became of it', async () => {
    const events = await h.services.repos.webhookEvents.list({ limit: 500 });
    const outcomes = new Set(events.map((e) => e.outcome));
    for (const o of ['accepted', 'duplicate', 'verification_failed', 'ignored', 'refused', 'answered', 'approved', 'rejected']) {
      if (o !== 'duplicate') expect(outcomes, o).toContain(o);
    }
    const stored = JSON.stringify(events.map((e) => e.headers));
    expect(stored).not.toMatch(/x-hub-signature|x-slack-signature|sentry-hook-signature/);
  });
});

describe('webhooks without a configured secret', () => {
  it('fail closed with 401 naming the setting', async () => {
    const model = await startScriptedModel();
    const h = await startHarness({ model });
    try {
      for (const [provider, setting] of [['github', 'GITHUB_WEBHOOK_SECRET'], ['slack', 'SLACK_SIGNING_SECRET'], ['jira', 'JIRA_WEBHOOK_SECRET'], ['sentry', 'SENTRY_CLIENT_SECRET'], ['gitlab', 'GITLAB_WEBHOOK_SECRET']]) {
        const res = await fetch(`${h.url}/webhooks/${provider}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: string }).error).toContain(setting);
      }
      expect((await fetch(`${h.url}/webhooks/bitbucket`, { method: 'POST', body: '{}' })).status).toBe(404);
    } finally {
      await h.close();
      await model.close();
    }
  });
});


// Issue 15 item 8: real payload shapes that used to be dropped or mishandled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { type FakeProviders, fixture, nextDeliveryId, startFakeProviders, webhookSender } from './support/send-webhook.js';

process.env.CLAUDE_CODE_MAX_RETRIES = '1';

const AGENT_ACCOUNT = '5b10a2844c20165700ede21g';

describe('payload gaps (issue 15, item 8)', () => {
  let model: ScriptedModel;
  let h: Harness;
  let fakes: FakeProviders;
  let send: ReturnType<typeof webhookSender>;

  beforeAll(async () => {
    model = await startScriptedModel();
    fakes = await startFakeProviders({ permissions: { Codertocat: 'admin' } });
    h = await startHarness({
      model,
      env: {
        ...fakes.env,
        JIRA_BOT_ACCOUNT_ID: AGENT_ACCOUNT,
        SENTRY_ALLOWED_PROJECTS: 'front-end',
        PROGRESS_UPDATE_SECONDS: '0.2',
      },
    });
    send = webhookSender(h.url);
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([model, fakes].map((s) => s?.close()));
  });

  it('GitHub: a command in a submitted pull request review summary runs', async () => {
    const payload = fixture('github/pull_request_review.submitted.json');
    payload.review.body = '@agent review [[script:text Reviewed from the summary.]] please';
    const res = await send.github('pull_request_review', payload);
    expect(res.status).toBe(202);
    const task = await h.waitForTask(res.body.task_id);
    expect(task).toMatchObject({ status: 'completed', rule: 'builtin:github:review', output: 'Reviewed from the summary.' });
  });

  it('Jira: an assignment to the agent is found by the assignee accountId when the changelog holds a username', async () => {
    const payload = fixture('jira/jira_issue_created.json');
    payload.webhookEvent = 'jira:issue_updated';
    payload.issue_event_type_name = 'issue_assigned';
    payload.issue.fields.assignee = { accountId: AGENT_ACCOUNT, displayName: 'Claude Code Agent', accountType: 'atlassian' };
    // Jira Server style and some Cloud deliveries: `to` is the user name, not the account id.
    payload.changelog = { id: '10002', items: [{ field: 'assignee', fieldtype: 'jira', from: null, fromString: null, to: 'claude-agent', toString: 'Claude Code Agent' }] };
    const res = await send.jira(payload);
    expect(res.status).toBe(202);
    expect(await h.waitForTask(res.body.task_id)).toMatchObject({ status: 'completed', rule: 'builtin:jira:analyze' });
  });

  it('Sentry: a delivery without an actor is the integration\'s own and runs; no "Sorry" is posted', async () => {
    const payload = fixture('sentry/event_alert_triggered.json');
    delete payload.actor;
    payload.data.event.issue_id = '2220001';
    payload.data.event.project_slug = 'front-end';
    const res = await send.sentry('event_alert', payload);
    expect(res.status).toBe(202);
    await h.waitForTask(res.body.task_id);
    await eventually(() => fakes.sentry.calls.some((c) => c.method === 'POST' && /\/issues\/2220001\/comments\/$/.test(c.path)));
    const posted = fakes.sentry.calls.filter((c) => /\/issues\/2220001\/comments\//.test(c.path)).map((c) => JSON.stringify(c.body));
    expect(posted.join('\n')).not.toMatch(/Sorry/);
  });

  it('Sentry: an alert refused by permission posts nothing; a later reply on the issue is the only post there', async () => {
    const comments = () => fakes.sentry.calls.filter((c) => c.method === 'POST' && /\/issues\/2220002\/comments\/$/.test(c.path)).map((c) => JSON.stringify(c.body));
    const alert = fixture('sentry/event_alert_triggered.json');
    alert.data.event.issue_id = '2220002';
    alert.data.event.project_slug = 'back-end';
    const refused = await send.sentry('event_alert', alert);
    expect(refused.status).toBe(200);
    expect(refused.body.refused).toMatch(/back-end is not in SENTRY_ALLOWED_PROJECTS/);
    // The same issue then asks for help in a comment: that answer is posted after anything the refusal would have
    // posted, so once it is there, the list of posts is complete.
    const ask = fixture('sentry/comment_created.json');
    ask.data.issue_id = 2220002;
    ask.data.project_slug = 'front-end';
    ask.data.comment = '@agent help';
    const help = await send.sentry('comment', ask);
    expect(help.status).toBe(200);
    await eventually(() => comments().length > 0);
    const [only, ...more] = comments();
    expect(more).toEqual([]);
    expect(only).not.toMatch(/Sorry/);
    expect(only).toMatch(/analyze/);
  });

  it('Slack: a slash command\'s interim "working" message is replaced by the result', async () => {
    const respondPath = `/respond/${nextDeliveryId('cmd')}`;
    const res = await send.slackForm({
      token: 'x', team_id: 'T1', team_domain: 'acme', channel_id: 'C777', channel_name: 'ops', user_id: 'U2CERLKJA', user_name: 'roadrunner',
      command: '/agent', text: 'analyze [[script:text Slash result.]] our error rate', response_url: `${fakes.slack.url}${respondPath}`, trigger_id: nextDeliveryId('trig'),
    });
    expect(res.status).toBe(202);
    await h.waitForTask(res.body.task_id);
    const posts = () => fakes.slack.calls.filter((c) => c.method === 'POST' && c.path === respondPath).map((c) => c.body as { text: string; replace_original?: boolean });
    await eventually(() => posts().some((p) => p.text.includes('Slash result.')));
    const [interim, ...later] = posts();
    expect(interim!.text).toMatch(/is working on/);
    // Every later post rewrites that one message: nothing but the result is left in the channel.
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((p) => p.replace_original === true)).toBe(true);
  });
});

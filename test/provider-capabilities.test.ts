// Every provider gets what its API allows: a progress message edited in place (Jira comments, Sentry notes, as on
// GitHub and Slack), and every message the service posts recorded, so a delivery about it never triggers a run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProvider, startFakeJira, startFakeSentry } from './support/fake-providers.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { fixture, webhookEnv, webhookSender, type WebhookSender } from './support/send-webhook.js';
import { eventually } from './support/eventually.js';

process.env.CLAUDE_CODE_MAX_RETRIES = '1';

let n = 0;
const nextCommentId = () => `${Date.now()}${++n}`;

describe('Jira and Sentry: progress edited in place, own posts never trigger a run', () => {
  let model: ScriptedModel;
  let h: Harness;
  let jira: FakeProvider;
  let sentry: FakeProvider;
  let send: WebhookSender;

  beforeAll(async () => {
    model = await startScriptedModel();
    jira = await startFakeJira();
    sentry = await startFakeSentry();
    h = await startHarness({
      model,
      env: { ...webhookEnv({ jira: jira.url, sentry: sentry.url }), PROGRESS_UPDATE_SECONDS: '0.2' },
    });
    send = webhookSender(h.url);
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([model, jira, sentry].map((s) => s?.close()));
  });

  const sendJira = (payload: unknown) => send.jira(payload);
  const sendSentry = (payload: unknown, resource: string) => send.sentry(resource, payload);
  const jiraComment = (text: string, id = nextCommentId()) => {
    const payload = fixture('jira/comment_created.json');
    payload.comment.id = id;
    payload.comment.body = text;
    payload.comment.author.accountId = 'acct-1';
    payload.comment.created = payload.comment.updated = new Date().toISOString();
    return payload;
  };
  const calls = (fake: FakeProvider, method: string, re: RegExp, taskId: string) =>
    fake.calls.filter((c) => c.method === method && re.test(c.path) && JSON.stringify(c.body).includes(taskId));

  it('Jira: one comment is posted when the run starts and edited as it goes; it ends with the result', async () => {
    const res = await sendJira(jiraComment('@agent analyze [[script:steps 3 400]] why does it fail?'));
    expect(res.status).toBe(202);
    const task = await h.waitForTask(res.body.task_id);
    expect(task.status).toBe('completed');
    await eventually(() => calls(jira, 'PUT', /\/issue\/PROJ-5\/comment\/\d+$/, task.task_id).some((c) => JSON.stringify(c.body).includes('finished')));
    const created = calls(jira, 'POST', /\/issue\/PROJ-5\/comment$/, task.task_id);
    expect(created).toHaveLength(1);
    const edits = calls(jira, 'PUT', /\/issue\/PROJ-5\/comment\/\d+$/, task.task_id);
    const commentIds = new Set(edits.map((c) => c.path.split('/').at(-1)));
    expect(commentIds.size).toBe(1); // every edit rewrites the one comment
    expect(edits.length).toBeGreaterThanOrEqual(2); // progress, then the result
    expect(edits.some((c) => JSON.stringify(c.body).includes('echo step'))).toBe(true);
    expect(JSON.stringify(edits.at(-1)!.body)).toContain('Done after 3 steps.');

    // Jira then sends comment_created for the agent's own comment (posted with a person's API token): ignored.
    const own = await sendJira(jiraComment('@agent analyze [[script:text must not run]] again', [...commentIds][0]!));
    expect(own.status).toBe(200);
    expect(own.body.ignored).toMatch(/message this service posted/);
  });

  it('Sentry: one note is posted and edited as the run goes; its comment.created delivery is ignored', async () => {
    const res = await sendSentry(fixture('sentry/event_alert_triggered.json'), 'event_alert');
    expect(res.status).toBe(202);
    const task = await h.waitForTask(res.body.task_id);
    expect(task.status).toBe('completed');
    const notes = /\/api\/0\/organizations\/test-org\/issues\/1117540176\/comments\/$/; // the org the alert names
    const noteEdits = /\/api\/0\/organizations\/test-org\/issues\/1117540176\/comments\/\d+\/$/;
    await eventually(() => calls(sentry, 'PUT', noteEdits, task.task_id).some((c) => JSON.stringify(c.body).includes('finished')));
    expect(calls(sentry, 'POST', notes, task.task_id)).toHaveLength(1);
    const noteIds = new Set(calls(sentry, 'PUT', noteEdits, task.task_id).map((c) => c.path.split('/').at(-2)));
    expect(noteIds.size).toBe(1);

    // Sentry sends comment.created for the note the agent posted (with a user-backed token, so actor.type is 'user').
    const comment = fixture('sentry/comment_created.json');
    comment.data.comment_id = Number([...noteIds][0]);
    comment.data.comment = '@agent analyze [[script:text must not run]] this';
    const own = await sendSentry(comment, 'comment');
    expect(own.status).toBe(200);
    expect(own.body.ignored).toMatch(/message this service posted/);
  });
});


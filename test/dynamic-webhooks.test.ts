import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/paths.js';
import { type FakeGithub, startFakeGithub } from './support/fake-providers.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { signGeneric, signGithub } from './support/signing.js';

const fixture = (p: string) => JSON.parse(fs.readFileSync(path.join(projectRoot, 'test', 'fixtures', p), 'utf8'));
let n = 0;

function issueOpened(title: string, number: number) {
  const payload = fixture('github/issues.opened.json');
  payload.issue.title = title;
  payload.issue.number = number;
  payload.sender.login = 'Codertocat';
  return payload;
}

describe('dynamic webhooks: rules in the database, one engine with the built-ins', () => {
  let model: ScriptedModel;
  let github: FakeGithub;
  let h: Harness;

  beforeAll(async () => {
    model = await startScriptedModel();
    github = await startFakeGithub({ permissions: { Codertocat: 'admin' } });
    h = await startHarness({
      model,
      env: { GITHUB_WEBHOOK_SECRET: 'static-secret', GITHUB_TOKEN: 'ghp_test', GITHUB_API_URL: github.url, PUBLIC_URL: 'https://agent.example.com' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
    await github?.close();
  });

  const deliver = async (url: string, body: string, headers: Record<string, string>) => {
    const res = await fetch(`${h.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, body: (await res.json()) as any };
  };
  const githubHeaders = (secret: string, body: string, event = 'issues') => ({
    'x-github-event': event,
    'x-github-delivery': `dyn-${Date.now()}-${++n}`,
    'x-hub-signature-256': signGithub(secret, body),
  });
  const calls = (method: string, re: RegExp) => github.calls.filter((c) => c.method === method && re.test(c.path));
  const eventually = async (check: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('condition not met in time');
  };

  let webhookId: string;
  let secret: string;

  it('creates a config (secret shown once) and its commands through the API', async () => {
    const created = await h.request('POST', '/api/webhooks', { name: 'Crash triage', provider: 'github' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(created.body.endpoint_url).toBe(`https://agent.example.com/webhooks/github/${created.body.webhook_id}`);
    webhookId = created.body.webhook_id;
    secret = created.body.secret;
    const shown = await h.request('GET', `/api/webhooks/${webhookId}`);
    expect(JSON.stringify(shown.body)).not.toContain(secret);

    const add = (command: object) => h.request('POST', `/api/webhooks/${webhookId}/commands`, command);
    expect(
      (await add({ name: 'triage', trigger: 'issues.opened', priority: 10, conditions: { path: 'payload.issue.title', op: 'matches', value: 'crash', flags: 'i' }, template: 'Triage "{{issue.title}}" [[script:text Triaged.]]', agent: 'planning' }))
        .status,
    ).toBe(201);
    expect((await add({ name: 'label', trigger: 'issues.opened', priority: 20, action: 'github_label', options: { labels: ['needs-triage'] } })).status).toBe(201);
    expect((await add({ name: 'thanks', trigger: 'issues.opened', priority: 30, action: 'comment', template: 'Thanks @{{sender.login}}!', stop_after_match: true })).status).toBe(201);
    expect((await add({ name: 'never', trigger: 'issues.opened', priority: 40, action: 'comment', template: 'unreachable' })).status).toBe(201);
    expect((await add({ name: 'on-close', trigger: 'issues.closed', priority: 5, action: 'comment', template: 'closed' })).status).toBe(201);
    const list = await h.request('GET', '/api/webhooks');
    expect(list.body.webhooks.find((w: any) => w.webhook_id === webhookId)).toMatchObject({ commands_count: 5, provider: 'github', enabled: true });
    expect(list.body.static.map((s: any) => s.provider).sort()).toEqual(['github', 'gitlab', 'jira', 'sentry', 'slack']);
  });

  it('refuses invalid or unsafe commands at save time, naming what is wrong', async () => {
    const bad = async (command: object, mention: string) => {
      const res = await h.request('POST', `/api/webhooks/${webhookId}/commands`, command);
      expect(res.status, JSON.stringify(command)).toBe(400);
      expect(res.body.error).toContain(mention);
    };
    await bad({ name: 'x', trigger: 'issues.opened', template: 'x', conditions: { path: 'payload.issue.title', op: 'matches', value: '(a)\\1' } }, 'back-references');
    await bad({ name: 'x', trigger: 'issues.opened', template: 'x', conditions: { path: 'payload.issue.title', op: 'matches', value: 'crash(?! test)' } }, 'lookahead');
    await bad({ name: 'x', trigger: 'issues.opened', template: 'x', conditions: { path: 'payload.x', op: 'in', value: 'notalist' } }, 'conditions.value');
    await bad({ name: 'x', trigger: 'issues.opened', template: 'x', conditions: { code: 'process.exit()' } }, 'conditions');
    await bad({ name: 'x', trigger: 'issues.opened', template: 'Hi {{secrets.token}}' }, 'template');
    await bad({ name: 'x', trigger: 'issues.opened', template: 'Hi {{issue.title' }, 'template');
    await bad({ name: 'x', trigger: 'issues.opened', action: 'github_label' }, 'options.labels');
    await bad({ name: 'x', trigger: 'issues.opened', action: 'slack_message', template: 'x' }, 'options.channel');
    await bad({ name: 'x', trigger: 'issues.opened', action: 'create_task' }, 'template: required');
    await bad({ name: 'two words', trigger: 'issues.opened', template: 'x' }, 'name');
    await bad({ name: 'x', trigger: 'issues.opened', template: 'x', action: 'run_shell' }, 'action');
    expect((await h.request('GET', `/api/webhooks/${webhookId}/commands`)).body.commands).toHaveLength(5);
  });

  it('a matching delivery creates the task and runs the actions in priority order, stopping where told', async () => {
    const payload = issueOpened('App crash on start', 101);
    const body = JSON.stringify(payload);
    const res = await deliver(`/webhooks/github/${webhookId}`, body, githubHeaders(secret, body));
    expect(res.status).toBe(202);
    const task = await h.waitForTask(res.body.task_id);
    expect(task).toMatchObject({ status: 'completed', output: 'Triaged.', rule: `webhook:${webhookId}:triage`, assigned_agent: 'planning' });
    await eventually(() => calls('POST', /\/issues\/101\/labels$/).length === 1 && calls('POST', /\/issues\/101\/comments$/).some((c) => c.body.body === 'Thanks @Codertocat!'));
    expect(calls('POST', /\/issues\/101\/labels$/)[0]!.body.labels).toEqual(['needs-triage']);
    expect(calls('POST', /\/issues\/101\/comments$/).some((c) => c.body.body === 'unreachable')).toBe(false);
  });

  it('a delivery that matches only some rules runs only those; the inspector says why each other one did not', async () => {
    const payload = issueOpened('Please add dark mode', 102);
    const body = JSON.stringify(payload);
    const res = await deliver(`/webhooks/github/${webhookId}`, body, githubHeaders(secret, body));
    expect(res.status).toBe(200);
    expect(res.body.actions).toEqual(['label: github_label', 'thanks: comment']);

    const inspector = await h.request('GET', `/api/webhooks/${webhookId}/events`);
    const event = inspector.body.events.find((e: any) => e.payload?.issue?.number === 102);
    expect(event).toMatchObject({ verified: true, event_type: 'issues.opened', matched_command: 'label, thanks', outcome: 'acted' });
    const decisions = Object.fromEntries(event.explanation.decisions.map((d: any) => [d.command, d]));
    expect(decisions.triage).toMatchObject({ matched: false, why: expect.stringContaining('payload.issue.title matches "crash" fails') });
    expect(decisions.never.why).toBe('not evaluated: "thanks" matched first and stops the rest');
    expect(decisions['on-close'].why).toBe('runs on issues.closed, not issues.opened');
    await eventually(async () => {
      const again = await h.request('GET', `/api/webhooks/${webhookId}/events`);
      const e = again.body.events.find((x: any) => x.payload?.issue?.number === 102);
      return (e.explanation.sent ?? []).length === 2;
    });
    const first = inspector.body.events.find((e: any) => e.payload?.issue?.number === 101);
    expect(first).toMatchObject({ matched_command: 'triage, label, thanks', task_status: 'completed', rendered_prompt: 'Triage "App crash on start" [[script:text Triaged.]]' });
  });

  it('replays a stored delivery as a new task marked as a replay', async () => {
    const events = (await h.request('GET', `/api/webhooks/${webhookId}/events`)).body.events;
    const original = events.find((e: any) => e.payload?.issue?.number === 101);
    const res = await h.request('POST', `/api/webhooks/${webhookId}/events/${original.event_id}/replay`);
    expect(res.status).toBe(202);
    expect(res.body.replay_of).toBe(original.event_id);
    expect(res.body.task_id).not.toBe(original.task_id);
    const task = await h.waitForTask(res.body.task_id);
    expect(task.status).toBe('completed');
    expect(task.source_metadata).toMatchObject({ replay_of: original.event_id });
    // Its result is posted back after the task completes; wait for it, so later tests see a quiet fake GitHub.
    await eventually(() => github.calls.some((c) => c.method === 'PATCH' && String(c.body?.body).includes(res.body.task_id) && String(c.body?.body).includes('finished')));
    const after = (await h.request('GET', `/api/webhooks/${webhookId}/events`)).body.events;
    expect(after.find((e: any) => e.replay_of === original.event_id)).toMatchObject({ task_id: res.body.task_id });
    expect((await h.request('POST', `/api/webhooks/${webhookId}/events/whe_nope/replay`)).status).toBe(404);
  });

  it('dry-runs a payload: says what would happen, creates and sends nothing', async () => {
    const tasksBefore = (await h.request('GET', '/api/tasks?limit=200')).body.tasks.length;
    const callsBefore = github.calls.length;
    const res = await h.request('POST', `/api/webhooks/${webhookId}/test`, { event_type: 'issues.opened', payload: issueOpened('Crash when saving', 103) });
    expect(res.status).toBe(200);
    expect(res.body.dry_run).toBe(true);
    expect(res.body.would.map((w: any) => `${w.command}:${w.action}`)).toEqual(['triage:create_task', 'label:github_label', 'thanks:comment']);
    expect(res.body.would[0]).toMatchObject({ rendered: 'Triage "Crash when saving" [[script:text Triaged.]]', agent: 'planning' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.request('GET', '/api/tasks?limit=200')).body.tasks.length).toBe(tasksBefore);
    expect(github.calls.length).toBe(callsBefore);
    expect((await h.request('POST', `/api/webhooks/${webhookId}/test`, {})).status).toBe(400);
  });

  it('refuses a delivery to another provider\'s URL, a bad signature, and a disabled config', async () => {
    const body = JSON.stringify(issueOpened('crash', 104));
    expect((await deliver(`/webhooks/jira/${webhookId}`, body, githubHeaders(secret, body))).status).toBe(404);
    expect((await deliver(`/webhooks/github/${webhookId}`, body, githubHeaders('wrong', body))).status).toBe(401);
    const unsigned = await deliver(`/webhooks/github/${webhookId}`, body, { 'x-github-event': 'issues', 'x-github-delivery': 'x1' });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error).toContain(`the secret of webhook ${webhookId}`);
    expect((await deliver('/webhooks/github/wh_missing', body, githubHeaders(secret, body))).status).toBe(404);
    expect((await h.request('PATCH', `/api/webhooks/${webhookId}`, { enabled: false })).status).toBe(200);
    expect((await deliver(`/webhooks/github/${webhookId}`, body, githubHeaders(secret, body))).status).toBe(404);
    await h.request('PATCH', `/api/webhooks/${webhookId}`, { enabled: true });
    const rotated = await h.request('PATCH', `/api/webhooks/${webhookId}`, { rotate_secret: true });
    expect(rotated.body.secret).not.toBe(secret);
    expect((await deliver(`/webhooks/github/${webhookId}`, body, githubHeaders(secret, body))).status).toBe(401);
    secret = rotated.body.secret;
  });

  it('runs generic webhooks signed with X-Signature-256', async () => {
    const created = await h.request('POST', '/api/webhooks', { name: 'Deploys', provider: 'generic', secret: 'generic-secret-1234567' });
    const id = created.body.webhook_id;
    await h.request('POST', `/api/webhooks/${id}/commands`, {
      name: 'postmortem',
      trigger: 'deploy.failed',
      conditions: { any: [{ path: 'payload.env', op: 'equals', value: 'prod' }, { path: 'headers.x-priority', op: 'equals', value: 'high' }] },
      template: 'Deploy {{id}} failed on {{env}} [[script:text Looked at it.]]',
    });
    const body = JSON.stringify({ id: 'dep-9', event_type: 'deploy.failed', env: 'prod' });
    const res = await deliver(`/webhooks/generic/${id}`, body, { 'x-signature-256': signGeneric('generic-secret-1234567', body), 'x-delivery-id': 'dep-9' });
    expect(res.status).toBe(202);
    expect((await h.waitForTask(res.body.task_id)).output).toBe('Looked at it.');
    const again = await deliver(`/webhooks/generic/${id}`, body, { 'x-signature-256': signGeneric('generic-secret-1234567', body), 'x-delivery-id': 'dep-9' });
    expect(again.body.duplicate).toBe(true);
    expect((await deliver(`/webhooks/generic/${id}`, body, { 'x-signature-256': 'sha256=00' })).status).toBe(401);
    expect((await h.request('DELETE', `/api/webhooks/${id}`)).status).toBe(204);
    expect((await deliver(`/webhooks/generic/${id}`, body, { 'x-signature-256': signGeneric('generic-secret-1234567', body) })).status).toBe(404);
  });

  it('lets users override, add to and restore the built-in route\'s commands and change its trigger phrase', async () => {
    const comment = (text: string, issue: number) => {
      const payload = fixture('github/issue_comment.created.json');
      payload.comment.body = text;
      payload.comment.id = 700_000 + ++n;
      payload.issue.number = issue;
      return JSON.stringify(payload);
    };
    const send = (body: string) => deliver('/webhooks/github', body, githubHeaders('static-secret', body, 'issue_comment'));

    const override = await h.request('POST', '/api/webhooks/static/github/commands', {
      name: 'review',
      trigger: 'issue_comment.created',
      template: 'OVERRIDDEN REVIEW of #{{issue.number}}: {{user_content}}',
      permissions: { permission_mode: 'default' },
    });
    expect(override.status).toBe(201);
    const view = await h.request('GET', '/api/webhooks/static/github');
    expect(view.body.commands.find((c: any) => c.name === 'review')).toMatchObject({ builtin: true, overridden: true });
    const res = await send(comment('@agent review [[script:text ok]] now', 201));
    expect(res.status).toBe(202);
    const events = (await h.request('GET', '/api/webhooks/static/github/events')).body.events;
    expect(events.find((e: any) => e.task_id === res.body.task_id)?.rendered_prompt).toBe('OVERRIDDEN REVIEW of #201: [[script:text ok]] now');
    await h.waitForTask(res.body.task_id);

    expect((await h.request('DELETE', '/api/webhooks/static/github/commands/review')).status).toBe(204);
    expect((await h.request('DELETE', '/api/webhooks/static/github/commands/plan')).status).toBe(409);
    const restored = await h.request('GET', '/api/webhooks/static/github');
    expect(restored.body.commands.find((c: any) => c.name === 'review')).toMatchObject({ builtin: true, overridden: false });

    expect((await h.request('PATCH', '/api/webhooks/static/github', { trigger_phrase: '@helper' })).body.trigger_phrase).toBe('@helper');
    expect((await send(comment('@agent analyze [[script:text x]]', 202))).body.ignored).toBeTruthy();
    const viaNew = await send(comment('@helper analyze [[script:text x]]', 202));
    expect(viaNew.status).toBe(202);
    await h.waitForTask(viaNew.body.task_id);
    await h.request('PATCH', '/api/webhooks/static/github', { trigger_phrase: null });

    const dry = await h.request('POST', '/api/webhooks/static/github/test', { event_type: 'issue_comment.created', payload: JSON.parse(comment('@agent plan the work', 203)) });
    expect(dry.body.would[0]).toMatchObject({ command: 'plan', action: 'create_task' });
    const staticReplay = await h.request('POST', `/api/webhooks/static/github/events/${events.find((e: any) => e.task_id === res.body.task_id).event_id}/replay`);
    expect(staticReplay.status).toBe(202);
    await h.waitForTask(staticReplay.body.task_id);
  });
});

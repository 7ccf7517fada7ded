// One pipeline for every delivery (issue 11, item 1): a user's webhook rule goes through the same permission and
// approval steps as a built-in command, and the built-ins are rules like the user's, edited and restored the same way.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/paths.js';
import { type FakeGithub, startFakeGithub } from './support/fake-providers.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { signGithub } from './support/signing.js';

const fixture = (p: string) => JSON.parse(fs.readFileSync(path.join(projectRoot, 'test', 'fixtures', p), 'utf8'));
let n = 0;

describe('one rule pipeline: address → match → conditions → permission → approval → action', () => {
  let model: ScriptedModel;
  let github: FakeGithub;
  let h: Harness;
  let webhookId: string;
  let secret: string;

  beforeAll(async () => {
    model = await startScriptedModel();
    github = await startFakeGithub({ permissions: { maintainer: 'admin', writer: 'write', reader: 'read' } });
    h = await startHarness({ model, env: { GITHUB_WEBHOOK_SECRET: 'static-secret', GITHUB_TOKEN: 'ghp_test', GITHUB_API_URL: github.url } });
    const created = await h.request('POST', '/api/webhooks', { name: 'Fixer', provider: 'github' });
    webhookId = created.body.webhook_id;
    secret = created.body.secret;
    const add = (command: object) => h.request('POST', `/api/webhooks/${webhookId}/commands`, command);
    const fix = await add({
      name: 'fix',
      trigger: 'issue_comment.created',
      template: 'Fix #{{issue.number}}: {{comment.body}}',
      permissions: { permission_mode: 'acceptEdits' },
      needs_approval: 'non-maintainers',
    });
    expect(fix.status, JSON.stringify(fix.body)).toBe(201);
    expect(fix.body.needs_approval).toBe('non-maintainers');
    expect((await add({ name: 'thanks', trigger: 'issue_comment.created', action: 'comment', template: 'On it.' })).status).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
    await github?.close();
  });

  const comment = (login: string, text: string) => {
    const payload = fixture('github/issue_comment.created.json');
    payload.comment.body = text;
    payload.comment.id = 900_000 + ++n;
    payload.comment.user.login = login;
    payload.sender.login = login;
    payload.issue.number = 300 + n;
    return { body: JSON.stringify(payload), issue: payload.issue.number as number };
  };
  const deliver = async (url: string, sign: string, body: string) => {
    const headers = { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': `rp-${Date.now()}-${++n}`, 'x-hub-signature-256': signGithub(sign, body) };
    const res = await fetch(`${h.url}${url}`, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as any };
  };
  const commentsOn = (issue: number) => github.calls.filter((c) => c.method === 'POST' && c.path.endsWith(`/issues/${issue}/comments`));

  it("refuses a user's rule to someone without write access, as it refuses a built-in command: no task, no action", async () => {
    const { body, issue } = comment('reader', 'please fix this [[script:text no]]');
    const res = await deliver(`/webhooks/github/${webhookId}`, secret, body);
    expect(res.status).toBe(200);
    expect(res.body.refused).toMatch(/reader has read permission/);
    const events = (await h.request('GET', `/api/webhooks/${webhookId}/events`)).body.events;
    const stored = events.find((e: any) => e.payload?.issue?.number === issue);
    expect(stored).toMatchObject({ outcome: 'refused', task_id: null, matched_command: 'fix, thanks' });
    expect(stored.explanation.permission).toMatch(/read permission/);
    expect(commentsOn(issue)).toEqual([]);
  });

  it("asks for approval of a user's edit rule when the sender is not a maintainer, and not when one is", async () => {
    const fromWriter = comment('writer', 'fix it [[script:text fixed]]');
    const waiting = await deliver(`/webhooks/github/${webhookId}`, secret, fromWriter.body);
    expect(waiting.status).toBe(202);
    expect(waiting.body.status).toBe('waiting_approval');
    expect((await h.request('GET', `/api/tasks/${waiting.body.task_id}`)).body.status).toBe('waiting_approval');

    const fromMaintainer = comment('maintainer', 'fix it [[script:text fixed]]');
    const queued = await deliver(`/webhooks/github/${webhookId}`, secret, fromMaintainer.body);
    expect(queued.status).toBe(202);
    expect(queued.body.status).toBe('queued');
    expect(await h.waitForTask(queued.body.task_id)).toMatchObject({ status: 'completed', output: 'fixed' });
  });

  it('answers help and status as properties of the rule, and a built-in edited through the API keeps them', async () => {
    const route = (await h.request('GET', '/api/webhooks/static/github')).body;
    expect(route.commands.find((c: any) => c.name === 'help')).toMatchObject({ action: 'help', builtin: true });
    expect(route.commands.find((c: any) => c.name === 'approve')).toMatchObject({ action: 'approve' });
    expect(route.commands.find((c: any) => c.name === 'fix')).toMatchObject({ action: 'create_task', needs_approval: 'non-maintainers' });

    // Editing a built-in makes an override seeded from it; deleting the override restores the built-in.
    const edited = await h.request('PATCH', '/api/webhooks/static/github/commands/help', { description: 'What I can do.' });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ name: 'help', action: 'help', description: 'What I can do.' });
    const { body } = comment('writer', '@agent help');
    const res = await deliver('/webhooks/github', 'static-secret', body);
    expect(res.body).toEqual({ answered: 'help' });
    expect((await h.request('DELETE', '/api/webhooks/static/github/commands/help')).status).toBe(204);
    const restored = (await h.request('GET', '/api/webhooks/static/github')).body.commands.find((c: any) => c.name === 'help');
    expect(restored).toMatchObject({ overridden: false, description: 'List the commands this agent understands.' });
  });
});

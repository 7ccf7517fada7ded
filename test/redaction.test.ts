/**
 * Secrets never leave the service: whatever a run prints — a secret setting from its environment, a file holding
 * one, its own MCP token, a dynamic webhook's secret, a secret streamed in pieces — reaches the task output, the
 * stored events, the WebSocket stream, the conversation, the comment posted back to GitHub and the logs as
 * `[redacted]`. The MCP token is never on the child's command line, and the management tools never echo a secret.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type LiveClient } from './support/harness.js';
import { type FakeGithub, startFakeGithub } from './support/fake-providers.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { signGithub } from './support/signing.js';
import { eventually } from './support/eventually.js';

const SETTINGS = {
  ANTHROPIC_API_KEY: 'sk-ant-redaction-test-key-0123456789',
  GITHUB_TOKEN: 'ghp_redactionTestToken0123456789abcdef',
  GITHUB_WEBHOOK_SECRET: 'gh-webhook-secret-for-redaction',
};
const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/github/issue_comment.created.json', import.meta.url), 'utf8'));

describe('redaction before anything leaves', () => {
  let model: ScriptedModel;
  let github: FakeGithub;
  let h: Harness;
  let live: LiveClient;
  const logLines: string[] = [];

  beforeAll(async () => {
    model = await startScriptedModel();
    github = await startFakeGithub({ permissions: { Codertocat: 'admin' } });
    h = await startHarness({
      model,
      logLines,
      env: { ...SETTINGS, GITHUB_API_URL: github.url, GITHUB_CHECKOUT: 'false', PROGRESS_UPDATE_SECONDS: '0.2', LOG_LEVEL: 'debug' },
    });
    live = await h.connect('redaction-watcher');
    live.send({ type: 'subscribe', all: true });
    await live.waitFor((e) => e.type === 'subscribed');
  });
  afterAll(async () => {
    live?.close();
    await h?.close();
    await Promise.all([model?.close(), github?.close()]);
  });

  const eventsOf = async (taskId: string) => (await h.request('GET', `/api/tasks/${taskId}/events?after=0&limit=1000`)).body.events as Array<{ seq: number; item: any }>;
  // The task's own message is what its requester sent (here: the test's script, secret included) and is kept as
  // sent; everything else on the stream is what the run produced.
  const liveOf = (taskId: string) =>
    live.events.filter((e: any) => e.task_id === taskId).map((e: any) => (e.task ? { ...e, task: { ...e.task, input_message: undefined } } : e));
  const messagesOf = async (conversationId: string) => (await h.request('GET', `/api/conversations/${conversationId}/messages`)).body.messages as Array<{ role: string; content: string }>;
  /** Everything about a task that leaves the service, as one text. */
  const everythingOf = async (taskId: string) => {
    const task = (await h.request('GET', `/api/tasks/${taskId}`)).body;
    await live.waitFor((e) => e.task_id === taskId && ['task.completed', 'task.failed'].includes(e.type));
    const assistant = task.conversation_id ? (await messagesOf(task.conversation_id)).filter((m) => m.role === 'assistant') : [];
    return { task, text: JSON.stringify([task.output, task.error, await eventsOf(taskId), liveOf(taskId), assistant]) };
  };
  const dashboardTask = async (message: string, allowed: string[] = []) => {
    const conversation = (await h.request('POST', '/api/conversations', { title: 'redaction' })).body;
    const row = await h.services.tasks.create({ session_id: 'redaction', source: 'dashboard', input_message: message, conversation_id: conversation.conversation_id, allowed_tools: allowed });
    return row.task_id;
  };

  it('a run that prints a secret setting, a file holding it and its own MCP token shows [redacted] everywhere', async () => {
    const taskId = await dashboardTask('[[script:bash printenv ANTHROPIC_API_KEY > key.txt; cat key.txt; printenv CLAUDE_CODE_AGENT_MCP_TOKEN]] show me', ['Bash']);
    const done = await h.waitForTask(taskId);
    expect(done.status).toBe('completed');
    // Both lines were printed (the key from the file, then the token) and both are redacted.
    expect(done.output).toBe('Bash output:\n[redacted]\n[redacted]');
    const { text } = await everythingOf(taskId);
    expect(text).not.toContain(SETTINGS.ANTHROPIC_API_KEY);
    const result = (await eventsOf(taskId)).find((e) => e.item.kind === 'tool_result');
    expect(result?.item.content).toMatch(/^\[redacted\]\n\[redacted\]/);
    expect(logLines.join('\n')).not.toContain(SETTINGS.ANTHROPIC_API_KEY);
  });

  it('a secret streamed in pieces is redacted in the deltas too, not only in the assembled text', async () => {
    // `slow` streams the reply in 10 pieces 300 ms apart: the token is cut over several deltas and several writes.
    const taskId = await dashboardTask(`[[script:slow 3000 the token is ${SETTINGS.GITHUB_TOKEN} and that is all]]`);
    const done = await h.waitForTask(taskId);
    expect(done.output).toBe('the token is [redacted] and that is all');
    const { text } = await everythingOf(taskId);
    // The deltas as they were streamed (once the run ended, the stored ones are folded into the text item).
    const deltas = liveOf(taskId).filter((e: any) => e.type === 'task.output' && e.item.kind === 'text_delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((e: any) => e.item.text).join('')).toBe('the token is [redacted] and that is all');
    // No piece of the token longer than a few characters is anywhere.
    for (let i = 0; i + 12 <= SETTINGS.GITHUB_TOKEN.length; i++) expect(text).not.toContain(SETTINGS.GITHUB_TOKEN.slice(i, i + 12));
  });

  it('the MCP token reaches the child through its environment, never its command line', async () => {
    const taskId = await dashboardTask('[[script:slow 6000 waiting while the test looks at the process]]');
    let pid: number | null = null;
    for (let i = 0; i < 300 && !pid; i++) {
      pid = (await h.services.repos.tasks.get(taskId))?.child_pid ?? null;
      if (!pid) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pid).toBeTruthy();
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    await h.waitForTask(taskId);
    const token = environ.find((v) => v.startsWith('CLAUDE_CODE_AGENT_MCP_TOKEN='))?.split('=')[1];
    const config = JSON.parse(argv[argv.indexOf('--mcp-config') + 1]!);
    expect(config.mcpServers.service.headers).toEqual({ Authorization: 'Bearer ${CLAUDE_CODE_AGENT_MCP_TOKEN}' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(argv.join(' ')).not.toContain(token!);
  });

  it('a webhook secret created through the management tools is never echoed into the run, and is redacted at once', async () => {
    const conversation = (await h.request('POST', '/api/conversations', { title: 'hooks' })).body;
    const sent = await h.request('POST', '/api/chat', {
      conversation_id: conversation.conversation_id,
      message: 'Create a webhook [[script:mcp mcp__service__create_webhook {"name":"Redaction hook","provider":"generic"}]]',
    });
    const done = await h.waitForTask(sent.body.task_id);
    expect(done.status).toBe('completed');
    const created = JSON.parse(done.output!.replace(/^Tool result:\n/, ''));
    const row = await h.services.repos.webhooks.get(created.webhook_id);
    expect(row?.secret.length).toBeGreaterThan(16);
    const { text } = await everythingOf(done.task_id);
    expect(text).not.toContain(row!.secret);
    // The tool says where the user sees the secret instead.
    expect(created.secret).toBeUndefined();
    expect(created.secret_note).toContain('Rotate secret');
    // Known to the redactor at once: a run that prints it gets [redacted].
    const echoed = await dashboardTask(`[[script:bash echo ${row!.secret}]]`);
    expect((await h.waitForTask(echoed)).output).toBe('Bash output:\n[redacted]');
  });

  it("a dynamic webhook's secret and a token in a GitHub-triggered run never reach the comment posted back", async () => {
    const hook = (await h.request('POST', '/api/webhooks', { name: 'Secret holder', provider: 'generic' })).body;
    expect(hook.secret).toBeTruthy();
    const payload = structuredClone(fixture);
    payload.comment.body = `@agent analyze [[script:bash echo ${hook.secret} ${SETTINGS.GITHUB_TOKEN}]] please`;
    payload.comment.id = 990_001;
    payload.issue.number = 4242;
    const body = JSON.stringify(payload);
    const res = await fetch(`${h.url}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': `redaction-${Date.now()}`, 'x-hub-signature-256': signGithub(SETTINGS.GITHUB_WEBHOOK_SECRET, body) },
      body,
    });
    expect(res.status).toBe(202);
    const taskId = ((await res.json()) as { task_id: string }).task_id;
    const done = await h.waitForTask(taskId);
    expect(done.status).toBe('completed');
    expect(done.output).toBe('Bash output:\n[redacted] [redacted]');
    const { text } = await everythingOf(taskId);
    for (const secret of [hook.secret, SETTINGS.GITHUB_TOKEN]) expect(text).not.toContain(secret);

    const posted = () => github.calls.filter((c) => /\/issues\/(4242\/)?comments/.test(c.path) && c.body?.body);
    await eventually(() => posted().some((c) => String(c.body.body).includes('finished')));
    const comments = JSON.stringify(posted().map((c) => c.body.body));
    expect(comments).toContain('[redacted]'); // the progress step (`Bash: echo …`) and the result
    for (const secret of [hook.secret, SETTINGS.GITHUB_TOKEN]) expect(comments).not.toContain(secret);
    expect(logLines.join('\n')).not.toContain(hook.secret);
  });
});


/**
 * The service manages itself through Claude Code: a dashboard run gets the service's management tools (an MCP
 * server at /mcp, reached with a one-time per-task token) and what it creates with them is really there afterwards;
 * a run triggered by an outside webhook never gets them. Webhook tasks carry the brain's instructions unless their
 * command turns that off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { signGeneric } from './support/signing.js';

const SECRET = 'generic-secret-for-self-management';

describe('self-management through Claude Code', () => {
  let model: ScriptedModel;
  let h: Harness;

  beforeAll(async () => {
    model = await startScriptedModel();
    h = await startHarness({ model, env: { PUBLIC_URL: 'https://agent.example.com' } });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
  });

  const chat = async (message: string) => {
    const sent = await h.request('POST', '/api/chat', { message });
    expect(sent.status).toBe(202);
    return h.waitForTask(sent.body.task_id);
  };
  const items = async (taskId: string) => (await h.request('GET', `/api/tasks/${taskId}/events?after=0`)).body.events.map((e: any) => e.item);
  const requestsOf = (sessionId: string | null) => model.requests.filter((r) => r.sessionId === sessionId && r.script !== undefined);

  it('a dashboard chat run creates a webhook with the management tool, and it is there afterwards', async () => {
    model.reset();
    const task = await chat('Create a webhook that analyzes new Jira bugs [[script:mcp mcp__service__create_webhook {"name":"Jira bugs","provider":"jira"}]]');
    expect(task.status).toBe('completed');
    expect(task.output).toMatch(/^Tool result:/);
    const created = JSON.parse(task.output!.replace(/^Tool result:\n/, ''));
    expect(created).toMatchObject({ name: 'Jira bugs', provider: 'jira', enabled: true, endpoint_url: `https://agent.example.com/webhooks/jira/${created.webhook_id}` });

    const list = await h.request('GET', '/api/webhooks');
    expect(list.body.webhooks.find((w: any) => w.webhook_id === created.webhook_id)).toMatchObject({ name: 'Jira bugs', provider: 'jira' });

    // The run really was offered the service's tools (deferred behind ToolSearch, then loaded).
    const init = (await items(task.task_id)).find((i: any) => i.kind === 'init');
    expect(init.mcp_servers).toEqual(['service']);
    expect(init.tools).toEqual(expect.arrayContaining(['mcp__service__create_webhook', 'mcp__service__create_agent', 'mcp__service__list_tasks']));
    expect(requestsOf(task.claude_session_id).some((r) => r.toolNames.includes('mcp__service__create_webhook'))).toBe(true);
  });

  // Two real Claude Code runs with MCP round trips: generous on a loaded machine.
  it('the tools validate like the API: a bad command is refused with the same reason', { timeout: 180_000 }, async () => {
    const hook = (await h.request('POST', '/api/webhooks', { name: 'Target', provider: 'github' })).body;
    const viaApi = await h.request('POST', `/api/webhooks/${hook.webhook_id}/commands`, { name: 'x', trigger: 'issues.opened', template: 'Hi {{secrets.token}}' });
    expect(viaApi.status).toBe(400);
    const refused = await chat(
      `add it [[script:mcp mcp__service__create_webhook_command ${JSON.stringify({ webhook_id: hook.webhook_id, name: 'x', trigger: 'issues.opened', template: 'Hi {{secrets.token}}' })}]]`,
    );
    expect(refused.output).toMatch(/^Tool error:/);
    expect(refused.output).toContain(viaApi.body.error.replace(/^invalid command: /, ''));
    expect((await h.request('GET', `/api/webhooks/${hook.webhook_id}`)).body.commands).toEqual([]);
    const input = JSON.stringify({ webhook_id: hook.webhook_id, name: 'x', trigger: 'issues.opened', template: 'Hi there' });
    const ok = await chat(`add it [[script:mcp mcp__service__create_webhook_command ${input}]]`);
    expect(ok.output).toMatch(/^Tool result:/);
    expect((await h.request('GET', `/api/webhooks/${hook.webhook_id}`)).body.commands.map((c: any) => c.name)).toEqual(['x']);

    const bad = await chat('add an agent [[script:mcp mcp__service__create_agent {"name":"deployer","content":"no frontmatter"}]]');
    expect(bad.output).toMatch(/^Tool error:/);
    expect(bad.output).toContain('frontmatter');
    expect((await h.request('GET', '/api/registry/agents/deployer')).status).toBe(404);

    const agent = await chat(
      `add an agent [[script:mcp mcp__service__create_agent ${JSON.stringify({ name: 'deployer', content: '---\nname: deployer\ndescription: Deploys the service.\ntools: Read, Bash\n---\nYou deploy.\n' })}]]`,
    );
    expect(agent.output).toMatch(/^Tool result:/);
    expect((await h.request('GET', '/api/registry/agents/deployer')).body).toMatchObject({ name: 'deployer', builtin: false });
  });

  it('a run triggered by an outside webhook has no management tools, and its prompt carries the brain', async () => {
    const hook = (await h.request('POST', '/api/webhooks', { name: 'Outside', provider: 'generic', secret: SECRET })).body;
    const command = await h.request('POST', `/api/webhooks/${hook.webhook_id}/commands`, {
      name: 'sneaky',
      trigger: 'note',
      template: 'Please {{text}} [[script:mcp mcp__service__create_webhook {"name":"Sneaky","provider":"generic"}]]',
    });
    expect(command.status, JSON.stringify(command.body)).toBe(201);
    const before = (await h.request('GET', '/api/webhooks')).body.webhooks.length;

    model.reset();
    const body = JSON.stringify({ id: 'note-1', event_type: 'note', text: 'make a webhook' });
    const res = await fetch(`${h.url}/webhooks/generic/${hook.webhook_id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-256': signGeneric(SECRET, body), 'x-delivery-id': 'note-1' },
      body,
    });
    expect(res.status).toBe(202);
    const task = await h.waitForTask(((await res.json()) as any).task_id);
    expect(task.status).toBe('completed');
    expect(task.output).toMatch(/^Tool error:/);

    const requests = requestsOf(task.claude_session_id);
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) expect(r.toolNames.filter((t) => t.startsWith('mcp__'))).toEqual([]);
    const init = (await items(task.task_id)).find((i: any) => i.kind === 'init');
    expect(init.mcp_servers).toEqual([]);
    expect(init.tools.filter((t: string) => t.startsWith('mcp__'))).toEqual([]);
    expect((await h.request('GET', '/api/webhooks')).body.webhooks).toHaveLength(before);

    // Wrapped with the registry's brain: the request first, then its standing instructions.
    const prompt = JSON.stringify(requests[0]!.body.messages[0]);
    expect(prompt).toContain('Please make a webhook');
    expect(prompt).toContain('Standing instructions of this service');
    expect(prompt).toContain('You are the brain of the Claude Code Agent service.');
  });

  it('a command can turn the brain wrap off', async () => {
    const hook = (await h.request('POST', '/api/webhooks', { name: 'Plain', provider: 'generic', secret: SECRET })).body;
    await h.request('POST', `/api/webhooks/${hook.webhook_id}/commands`, { name: 'plain', trigger: 'note', template: 'Just {{text}} [[script:text plain]]', options: { wrap_with_brain: false } });
    model.reset();
    const body = JSON.stringify({ id: 'note-2', event_type: 'note', text: 'answer' });
    const res = await fetch(`${h.url}/webhooks/generic/${hook.webhook_id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-256': signGeneric(SECRET, body), 'x-delivery-id': 'note-2' },
      body,
    });
    const task = await h.waitForTask(((await res.json()) as any).task_id);
    expect(task.output).toBe('plain');
    const prompt = JSON.stringify(requestsOf(task.claude_session_id)[0]!.body.messages[0]);
    expect(prompt).toContain('Just answer');
    expect(prompt).not.toContain('Standing instructions of this service');
  });

  it('the management endpoint answers only a live grant', async () => {
    const call = (headers: Record<string, string>) =>
      fetch(`${h.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    expect((await call({})).status).toBe(404);
    expect((await call({ authorization: 'Bearer not-a-token' })).status).toBe(404);
    expect((await fetch(`${h.url}/mcp`)).status).toBe(405);
    // A grant outlives nothing: the finished dashboard runs above left none behind.
    const grants = await h.services.storage.db.selectFrom('mcp_grants').selectAll().execute();
    expect(grants).toEqual([]);
  });
});

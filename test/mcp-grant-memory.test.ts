/**
 * The management endpoint's grant check (issue 13): a dashboard run's MCP handshake (server/discover, then tools/list,
 * which Claude Code waits for before it reads the prompt) costs no database read when this process made the grant or
 * checked it a moment ago; a run that ended here is refused at once, and a remembered grant is read again after a while.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrantMemory } from '../src/management/grant-memory.js';
import { startScriptedHarness, type ScriptedHarness } from './support/harness.js';

describe('GrantMemory', () => {
  it('believes a grant for its time only, and forgets a task\'s grants when told', () => {
    const memory = new GrantMemory(1000);
    memory.remember('token-a', 'task-1', 0);
    memory.remember('token-b', 'task-1', 0);
    memory.remember('token-c', 'task-2', 500);
    expect(memory.recall('token-a', 999)).toBe('task-1');
    expect(memory.recall('token-a', 1000)).toBeUndefined();
    expect(memory.recall('never-granted', 0)).toBeUndefined();
    memory.forgetTask('task-1');
    expect(memory.recall('token-b', 10)).toBeUndefined();
    expect(memory.recall('token-c', 10)).toBe('task-2');
  });
});

describe('the /mcp grant check', () => {
  let h: ScriptedHarness;
  const statements: string[] = [];
  const grantReads = () => statements.filter((s) => /^select/i.test(s) && s.includes('"mcp_grants"'));
  const mcp = (token: string, method: string) =>
    fetch(`${h.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method }),
    });

  beforeAll(async () => {
    h = await startScriptedHarness({ onStatement: (text) => void statements.push(text) });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a dashboard run granted by this process reaches its tools without reading its grant from the database', async () => {
    statements.length = 0;
    const sent = await h.request('POST', '/api/chat', { message: 'list them [[script:mcp mcp__service__list_tasks {}]]' });
    const task = await h.waitForTask(sent.body.task_id);
    expect(task.status).toBe('completed');
    expect(task.output).toMatch(/^Tool result:/);
    expect(statements.some((s) => /^insert into "mcp_grants"/i.test(s))).toBe(true);
    expect(grantReads()).toEqual([]);
  }, 120_000);

  it('a grant checked in the database is believed for the handshake, and refused the moment its run ends here', async () => {
    const sent = await h.request('POST', '/api/chat', { message: '[[script:slow 120000]] hold on' });
    await h.waitForTask(sent.body.task_id, ['running']);
    const token = randomBytes(32).toString('base64url');
    await h.services.repos.registryUsage.grant(token, sent.body.task_id, 120_000); // as another worker process would
    statements.length = 0;
    expect((await mcp(token, 'server/discover')).status).toBe(200);
    expect((await mcp(token, 'tools/list')).status).toBe(200);
    expect(grantReads()).toHaveLength(1);

    const row = (await h.services.repos.tasks.get(sent.body.task_id))!;
    await h.services.registry.hooks.onFinish(row);
    expect((await mcp(token, 'tools/list')).status).toBe(404);
  }, 60_000);
});

/**
 * The management endpoint's `tools/list` (issue 13): Claude Code waits for it before it reads a dashboard run's prompt,
 * so the list is worked out once per process and kept, rather than a management server built for every run's
 * handshake. The kept answer is exactly what the SDK's own server lists; other requests still go to the SDK.
 */
import { randomBytes } from 'node:crypto';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as serverModule from '../src/management/mcp-server.js';
import { startScriptedHarness, type ScriptedHarness } from './support/harness.js';

// Counts the management servers built, passing every call on to the real function.
vi.mock('../src/management/mcp-server.js', async (original) => {
  const real = await original<typeof import('../src/management/mcp-server.js')>();
  return { ...real, managementServer: vi.fn(real.managementServer) };
});
const built = vi.mocked(serverModule.managementServer);

const STATELESS = '2026-07-28';

describe('the management endpoint lists its tools once per process', () => {
  let h: ScriptedHarness;
  let token: string;
  const call = (body: unknown, version = STATELESS) =>
    fetch(`${h.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': version },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    h = await startScriptedHarness();
    // A run kept going (a slow reply), so a grant for it is honoured.
    const sent = await h.request('POST', '/api/chat', { message: '[[script:slow 120000]] hold on' });
    await h.waitForTask(sent.body.task_id, ['running']);
    token = randomBytes(32).toString('base64url');
    await h.services.repos.registryUsage.grant(token, sent.body.task_id, 120_000);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('answers every tools/list with the SDK server\'s own list, building a server at most once', async () => {
    // What the SDK's server answers, asked directly.
    const server = serverModule.managementServer({ publicBase: () => 'x', log: console } as never, 'direct');
    const [client, inner] = InMemoryTransport.createLinkedPair();
    await server.connect(inner);
    const direct = new Promise<any>((resolve) => (client.onmessage = resolve));
    await client.start();
    await client.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const expected = (await direct).result;
    await server.close();
    built.mockClear();

    for (const id of [1, 'two', 3]) {
      const answer = await call({ jsonrpc: '2.0', id, method: 'tools/list' });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await answer.json()).toEqual({ jsonrpc: '2.0', id, result: expected });
    }
    expect(built.mock.calls.length).toBeLessThanOrEqual(1);
  });

  it('still hands a tool call, and the previous version\'s tools/list, to the SDK', async () => {
    built.mockClear();
    const listed = await call({ jsonrpc: '2.0', id: 9, method: 'tools/list' }, '2025-11-25');
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as any).result.tools.map((t: { name: string }) => t.name)).toContain('list_tasks');
    const called = await call({ jsonrpc: '2.0', id: 10, method: 'tools/call', params: { name: 'list_tasks', arguments: {} } });
    expect(called.status).toBe(200);
    expect(((await called.json()) as any).result.content[0].text).toMatch(/"tasks"/);
    expect(built).toHaveBeenCalledTimes(2);
  });

  it('answers nothing without a live grant', async () => {
    const answer = await fetch(`${h.url}/mcp`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-a-grant', 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': STATELESS },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(answer.status).toBe(404);
  });
});

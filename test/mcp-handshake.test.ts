/**
 * A dashboard run's MCP handshake with the service's management endpoint: a real Claude Code run reaches /mcp
 * through a recording proxy, and the requests before its first tool call are counted. Claude Code 2.1.330 speaks
 * MCP's stateless revision first (`server/discover`), so answering it saves the initialize / initialized / GET
 * round trips, and the probe is no longer answered 400.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

interface Seen {
  httpMethod: string;
  rpcMethod: string | null;
  status: number;
}

/** Forwards every request to `target` as it is, and notes each one's HTTP method, JSON-RPC method and status. */
async function startRecordingProxy(target: string): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let rpcMethod: string | null = null;
      try {
        rpcMethod = (JSON.parse(body.toString()) as { method?: string }).method ?? null;
      } catch {
        // not JSON
      }
      const forward = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        seen.push({ httpMethod: req.method!, rpcMethod, status: answer.statusCode! });
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  // Claude Code keeps its connection between the handshake and a tool call a model turn later: kept open as long as
  // the service keeps it (Fastify: 72 s), so an idle close does not race the call.
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('the MCP handshake of a dashboard run', () => {
  let model: ScriptedModel;
  let h: Harness;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;

  beforeAll(async () => {
    model = await startScriptedModel();
    h = await startHarness({ model, internalUrl: () => proxy?.url });
    proxy = await startRecordingProxy(h.url);
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
    await model?.close();
  });

  it('costs two requests before the first tool call (discover, tools/list), none answered with an error', async () => {
    const sent = await h.request('POST', '/api/chat', { message: 'list them [[script:mcp mcp__service__list_tasks {}]]' });
    const task = await h.waitForTask(sent.body.task_id);
    expect(task.status).toBe('completed');
    expect(task.output).toMatch(/^Tool result:/);

    const firstCall = proxy.seen.findIndex((s) => s.rpcMethod === 'tools/call');
    expect(firstCall).toBeGreaterThan(-1);
    const handshake = proxy.seen.slice(0, firstCall);
    expect(handshake.map((s) => s.rpcMethod)).toEqual(['server/discover', 'tools/list']);
    expect(proxy.seen.filter((s) => s.status >= 400)).toEqual([]);
  }, 120_000);
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasBwrap } from './support/bwrap.js';
import { startHarness, type Harness } from './support/harness.js';
import { POSTGRES_URL } from './support/services.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

function startSite(answer: string): Promise<http.Server> {
  const server = http.createServer((_req, res) => res.end(answer));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const portOf = (server: http.Server) => (server.address() as AddressInfo).port;

describe.skipIf(!hasBwrap)('SANDBOX_ALLOWED_HOSTS: a run reaches only the hosts allowed, the Anthropic API and the service', () => {
  let model: ScriptedModel;
  let allowedSite: http.Server;
  let otherSite: http.Server;
  let h: Harness;

  beforeAll(async () => {
    model = await startScriptedModel();
    allowedSite = await startSite('allowed-site-answered');
    otherSite = await startSite('other-site-answered');
    h = await startHarness({ model, env: { SANDBOX_ALLOWED_HOSTS: `127.0.0.1:${portOf(allowedSite)}` } });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
    allowedSite?.close();
    otherSite?.close();
  });

  it('lets a tool through the proxy to an allowed host only, and nothing around the proxy', async () => {
    expect((await h.request('GET', '/health')).body.sandbox).toEqual({ mode: 'bwrap', sandboxed: true, network: 'restricted' });
    const pg = new URL(POSTGRES_URL);
    const probe = [
      `echo "== allowed"; curl -sS http://127.0.0.1:${portOf(allowedSite)}/`,
      `echo; echo "== other"; curl -sS -i http://127.0.0.1:${portOf(otherSite)}/ 2>&1 | head -3`,
      `echo "== around the proxy"; curl -sS --noproxy '*' --max-time 5 http://127.0.0.1:${portOf(allowedSite)}/ 2>&1`,
      `echo; echo "== database"; (exec 3<>/dev/tcp/${pg.hostname}/${pg.port}) 2>&1 && echo database-reached`,
      // The service itself: its management tools (/mcp) yes, the rest of its API (other tasks' output) no.
      `echo "== service api"; curl -sS -i ${h.url}/api/tasks 2>&1 | head -1`,
    ].join('; ');
    // The run itself works: the CLI reached the (loopback) scripted model through the proxy.
    const task = await h.services.tasks.create({ session_id: 's', source: 'test', input_message: `[[script:bash ${probe}]] net`, allowed_tools: ['Bash'] });
    const done = await h.waitForTask(task.task_id, undefined, 90_000);
    expect(done.status).toBe('completed');
    const out = done.output ?? '';
    const section = (name: string) => out.split(`== ${name}\n`)[1]?.split('\n== ')[0] ?? '';
    expect(section('allowed')).toContain('allowed-site-answered');
    expect(section('other')).toContain('403');
    expect(section('other')).not.toContain('other-site-answered');
    expect(section('around the proxy')).toMatch(/Failed to connect|Couldn't connect/);
    expect(section('around the proxy')).not.toContain('allowed-site-answered');
    expect(section('database')).toContain('Connection refused');
    expect(section('database')).not.toContain('database-reached');
    expect(section('service api')).toContain('403');
  });

  it('still reaches the service’s own management tools', async () => {
    const res = await h.request('POST', '/api/chat', { message: 'list them [[script:mcp mcp__service__list_agents {}]]' });
    const done = await h.waitForTask(res.body.task_id, undefined, 90_000);
    expect(done.status).toBe('completed');
    expect(done.output).toMatch(/^Tool result:/);
    expect(done.output).toContain('planning');
  });
});

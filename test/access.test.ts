// Issue 10, finding 2 and the access items: authentication decided on the matched route (no spelling of a path gets
// around it), /metrics behind the token, the MCP endpoint's own tokens, security headers, cross-origin and Host
// (DNS rebinding) rules. Paths go out byte for byte (test/support/raw-http.ts): fetch would normalise them first.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/paths.js';
import { connectLive, startHarness, type Harness } from './support/harness.js';
import { rawRequest } from './support/raw-http.js';
import { serviceArgv } from './support/service-process.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

const TOKEN = 'access-test-token-5b1e0c';
const AUTH = { authorization: `Bearer ${TOKEN}` };

// Every way of writing a protected path that a router, a proxy or a browser might treat as the real one.
const GET_SPELLINGS = [
  '/api/tasks',
  '/%61pi/tasks',
  '/%61%70%69/tasks',
  '/api/%74asks',
  '/%41PI/tasks',
  '/API/tasks',
  '/Api/Tasks',
  '//api/tasks',
  '///api/tasks',
  '/api//tasks',
  '/api/./tasks',
  '/./api/tasks',
  '/x/../api/tasks',
  '/api/tasks/../tasks',
  '/api/tasks/%2e%2e/tasks',
  '/%2561pi/tasks',
  '/api%2Ftasks',
  '/api%2ftasks',
  '/%5capi/tasks',
  '/api/tasks?',
  '/api/tasks?x=1',
  '/api/tasks#',
  '/api/tasks#x',
  '/api/tasks;x',
  '/api;x/tasks',
  '/api/tasks/',
  '/api/tasks%20',
  '/api/tasks%00',
  '/api/tasks%3F',
  '/api/dashboard/status',
  '/%61pi/dashboard/status',
  '/api/analytics/summary',
  '/%61pi/ledger',
  '/%61pi/registry/agents',
  '/%61pi/webhooks',
  '/metrics',
  '/%6detrics',
  '/METRICS',
  '/metrics/',
  '//metrics',
  '/./metrics',
  '/metrics;x',
  '/metrics?x',
];
const POST_SPELLINGS = ['/api/chat', '/%61pi/chat', '/api/%63hat', '//api/chat', '/api/./chat', '/API/chat', '/api/chat;x', '/api/chat/', '/api%2Fchat', '/%2561pi/chat', '/api/chat#'];
const WS_SPELLINGS = ['/ws/s1', '/%77s/s1', '/%77%73/s1', '//ws/s1', '/WS/s1', '/ws/./s1', '/ws//s1', '/./ws/s1', '/ws/s1;x', '/%2577s/s1', '/ws%2Fs1', '/ws/s1?', '/ws/s1#'];

describe('access with API_TOKEN set', () => {
  let model: ScriptedModel;
  let h: Harness;

  beforeAll(async () => {
    model = await startScriptedModel();
    h = await startHarness({
      model,
      env: { API_TOKEN: TOKEN, GITHUB_WEBHOOK_SECRET: 'gh-secret-access', PUBLIC_URL: 'https://agent.example.com', ALLOWED_HOSTS: 'dash.internal' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
  });

  it('answers no spelling of an /api, /metrics or /ws path without the token (401 or 404)', async () => {
    const leaks: string[] = [];
    const check = async (what: string, send: () => Promise<{ status: number }>) => {
      const status = await send().then(
        (res) => res.status,
        (err: Error) => err.message,
      );
      if (status !== 401 && status !== 404) leaks.push(`${what} → ${status}`);
    };
    for (const p of GET_SPELLINGS) await check(`GET ${p}`, () => rawRequest(h.url, 'GET', p));
    for (const p of GET_SPELLINGS) await check(`HEAD ${p}`, () => rawRequest(h.url, 'HEAD', p));
    for (const p of POST_SPELLINGS) await check(`POST ${p}`, () => rawRequest(h.url, 'POST', p, { body: '{"message":"hello"}' }));
    for (const p of WS_SPELLINGS) await check(`WebSocket ${p}`, () => rawRequest(h.url, 'GET', p, { upgrade: true }));
    for (const p of WS_SPELLINGS) await check(`GET ${p}`, () => rawRequest(h.url, 'GET', p));
    expect(leaks).toEqual([]);
    expect(await h.services.repos.tasks.list({ limit: 10 })).toMatchObject({ tasks: [] });
  });

  it('still serves the canonical routes with the token, and the WebSocket with ?token=', async () => {
    expect((await rawRequest(h.url, 'GET', '/api/tasks', { headers: AUTH })).status).toBe(200);
    expect((await rawRequest(h.url, 'GET', '/%61pi/tasks', { headers: AUTH })).status).toBe(200);
    expect((await rawRequest(h.url, 'GET', '/metrics', { headers: AUTH })).status).toBe(200);
    expect((await rawRequest(h.url, 'GET', `/ws/s1?token=${TOKEN}`, { upgrade: true })).status).toBe(101);
    // The token in the query is for WebSocket handshakes only: URLs end up in logs and browser histories.
    expect((await rawRequest(h.url, 'GET', `/api/tasks?token=${TOKEN}`)).status).toBe(401);
    expect((await rawRequest(h.url, 'GET', '/health')).status).toBe(200);
    expect((await rawRequest(h.url, 'GET', '/')).status).toBe(200);
  });

  it('keeps /metrics behind the token', async () => {
    const res = await rawRequest(h.url, 'GET', '/metrics');
    expect(res.status).toBe(401);
    expect(res.body).not.toContain('cca_tasks');
    expect(JSON.parse(res.body).error).toContain('Authorization: Bearer');
  });

  it('answers /mcp only to a live task token, however the path is spelled, before reading the body', async () => {
    for (const p of ['/mcp', '/%6dcp', '/MCP', '//mcp', '/mcp/', '/mcp;x']) {
      for (const headers of [{}, AUTH, { authorization: 'Bearer not-a-task-token' }]) {
        const res = await rawRequest(h.url, 'POST', p, { headers, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
        expect([404, 401], `POST ${p} ${JSON.stringify(headers)}`).toContain(res.status);
      }
    }
    // Without a grant the body is never parsed: a broken body gets the same 404 as a good one.
    const broken = await rawRequest(h.url, 'POST', '/mcp', { body: '{"jsonrpc":' });
    expect(broken.status).toBe(404);
  });

  it('sends security headers on the dashboard, the API and errors', async () => {
    for (const p of ['/', '/ledger', '/api/tasks', '/health', '/nothing.js']) {
      const res = await rawRequest(h.url, 'GET', p, { headers: p.startsWith('/api') ? AUTH : {} });
      expect(res.headers['x-content-type-options'], p).toBe('nosniff');
      expect(res.headers['x-frame-options'], p).toBe('DENY');
      expect(res.headers['referrer-policy'], p).toBe('no-referrer');
      const csp = String(res.headers['content-security-policy']);
      expect(csp, p).toContain("default-src 'self'");
      expect(csp, p).toContain("script-src 'self'");
      expect(csp, p).toContain("frame-ancestors 'none'");
      expect(csp, p).toContain("object-src 'none'");
      // Plain http on a LAN address must keep working: no forced upgrade of every subresource to https.
      expect(csp, p).not.toContain('upgrade-insecure-requests');
      expect(/script-src[^;]*unsafe/.test(csp), p).toBe(false);
      expect(res.headers['access-control-allow-origin'], p).toBeUndefined();
    }
  });

  it('refuses cross-origin requests to the API and the WebSocket with 403 naming the problem', async () => {
    const port = new URL(h.url).port;
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${Number(port) + 1}`, `https://127.0.0.1:${port}`]) {
      const post = await rawRequest(h.url, 'POST', '/api/chat', { headers: { ...AUTH, origin }, body: '{"message":"from elsewhere"}' });
      expect(post.status, origin).toBe(403);
      expect(JSON.parse(post.body).error, origin).toContain(`Origin ${origin}`);
      expect(post.headers['access-control-allow-origin']).toBeUndefined();
      expect((await rawRequest(h.url, 'GET', `/ws/s1?token=${TOKEN}`, { upgrade: true, headers: { origin } })).status, origin).toBe(403);
    }
    expect(await h.services.repos.tasks.list({ limit: 10 })).toMatchObject({ tasks: [] });
    // The service's own origin (the dashboard), as the Host header names it or as PUBLIC_URL does.
    const own = await rawRequest(h.url, 'POST', '/api/conversations', { headers: { ...AUTH, origin: h.url }, body: '{}' });
    expect(own.status).toBe(201);
    const pub = await rawRequest(h.url, 'POST', '/api/conversations', { headers: { ...AUTH, origin: 'https://agent.example.com' }, body: '{}' });
    expect(pub.status).toBe(201);
    expect((await rawRequest(h.url, 'GET', `/ws/s1?token=${TOKEN}`, { upgrade: true, headers: { origin: h.url } })).status).toBe(101);
    // Clients that are not browsers send no Origin and are not affected.
    const live = await connectLive(`${h.url.replace('http', 'ws')}/ws/s1?token=${TOKEN}`);
    await live.waitFor((e) => e.type === 'hello');
    live.close();
  });

  it('refuses a Host it does not answer to (DNS rebinding) on the dashboard and the API, never on webhooks or /health', async () => {
    const port = new URL(h.url).port;
    const evil = { host: `rebind.evil.example:${port}` };
    for (const [method, p] of [['GET', '/'], ['GET', '/ledger'], ['GET', '/api/tasks'], ['GET', '/metrics']] as const) {
      const res = await rawRequest(h.url, method, p, { headers: { ...AUTH, ...evil } });
      expect(res.status, p).toBe(421);
      expect(JSON.parse(res.body).error, p).toContain('rebind.evil.example');
      expect(JSON.parse(res.body).error, p).toContain('ALLOWED_HOSTS');
    }
    expect((await rawRequest(h.url, 'POST', '/api/chat', { headers: { ...AUTH, ...evil, origin: `http://${evil.host}` }, body: '{"message":"x"}' })).status).toBe(421);
    expect((await rawRequest(h.url, 'GET', `/ws/s1?token=${TOKEN}`, { upgrade: true, headers: evil })).status).toBe(421);
    // Providers reach webhooks through proxies with any Host; /health is for load balancers.
    const hook = await rawRequest(h.url, 'POST', '/webhooks/github', { headers: { ...evil, 'x-github-event': 'ping', 'x-hub-signature-256': 'sha256=00' }, body: '{}' });
    expect(hook.status).toBe(401);
    expect((await rawRequest(h.url, 'GET', '/health', { headers: evil })).status).toBe(200);
    // Names it does answer to: loopback, IP literals, PUBLIC_URL's host, ALLOWED_HOSTS.
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'agent.example.com', 'dash.internal', `DASH.internal:${port}`, `app.localhost:${port}`, `10.1.2.3:${port}`]) {
      expect((await rawRequest(h.url, 'GET', '/api/tasks', { headers: { ...AUTH, host } })).status, host).toBe(200);
    }
  });
});

describe('start-up on a non-loopback address', () => {
  it('refuses HOST=0.0.0.0 without API_TOKEN before opening anything, naming both settings', { timeout: 120_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-open-'));
    try {
      const child = spawn(process.execPath, serviceArgv('start'), {
        cwd: projectRoot,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '0.0.0.0', PORT: '0', DATA_DIR: path.join(dataDir, 'data') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      // Generous: a loaded machine is slow to load the service; the refusal itself comes before anything is opened.
      const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running after 90 s'), 90_000))]);
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      expect(code, out).toBe(2);
      expect(out).toContain('HOST');
      expect(out).toContain('API_TOKEN');
      expect(out).toContain('ALLOW_UNAUTHENTICATED');
      expect(fs.existsSync(path.join(dataDir, 'data'))).toBe(false);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

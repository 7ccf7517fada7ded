// Rate limits per client on /api (and /ws, /metrics) and per provider on /webhooks, answered 429 with Retry-After;
// the client is the socket's address unless TRUST_PROXY says which proxies may name another; with REDIS_URL the
// counts live in Redis, so a limit holds across API processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { rawRequest } from './support/raw-http.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { freshRedisPrefix, freshSchemaName, hasPostgres, hasRedis } from './support/services.js';

let model: ScriptedModel;
beforeAll(async () => {
  model = await startScriptedModel();
});
afterAll(async () => {
  await model?.close();
});

function expectLimited(res: { status: number; headers: Record<string, unknown>; body: string }, setting: string) {
  expect(res.status).toBe(429);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(JSON.parse(res.body).error).toContain(setting);
}

describe('rate limits on one process (in memory)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      model,
      env: { RATE_LIMIT_API_PER_MINUTE: '5', RATE_LIMIT_WEBHOOKS_PER_MINUTE: '3', GITHUB_WEBHOOK_SECRET: 'gh-rl', SLACK_SIGNING_SECRET: 'slack-rl' },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('limits each client on /api, answering 429 with Retry-After; X-Forwarded-For does not make a new client', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await rawRequest(h.url, 'GET', '/api/tasks', { headers: { 'x-forwarded-for': `203.0.113.${i}` } });
      expect(res.status, `request ${i + 1}`).toBe(200);
    }
    const over = await rawRequest(h.url, 'GET', '/api/tasks', { headers: { 'x-forwarded-for': '198.51.100.77' } });
    expectLimited(over, 'RATE_LIMIT_API_PER_MINUTE');
    const chat = await rawRequest(h.url, 'POST', '/api/chat', { body: '{"message":"one too many"}' });
    expect(chat.status).toBe(429);
    expect(await h.services.repos.tasks.list({ limit: 10 })).toMatchObject({ tasks: [] });
    // Health checks, the dashboard's files and webhooks have their own rules.
    expect((await rawRequest(h.url, 'GET', '/health')).status).toBe(200);
    expect((await rawRequest(h.url, 'GET', '/')).status).toBe(200);
  });

  it('limits /webhooks per provider, separately from /api and from other providers', async () => {
    const post = (provider: string) => rawRequest(h.url, 'POST', `/webhooks/${provider}`, { body: '{}', headers: { 'x-github-event': 'ping' } });
    for (let i = 0; i < 3; i++) expect((await post('github')).status, `github ${i + 1}`).toBe(401);
    expectLimited(await post('github'), 'RATE_LIMIT_WEBHOOKS_PER_MINUTE');
    expect((await post('slack')).status).toBe(401);
  });
});

describe('behind a proxy (TRUST_PROXY) with public metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ model, env: { TRUST_PROXY: '127.0.0.1', METRICS_PUBLIC: 'true', API_TOKEN: 'proxy-token-81c2', RATE_LIMIT_API_PER_MINUTE: '2' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('takes the client from X-Forwarded-For only when the proxy is trusted', async () => {
    const auth = { authorization: 'Bearer proxy-token-81c2' };
    const as = (ip: string) => rawRequest(h.url, 'GET', '/api/tasks', { headers: { ...auth, 'x-forwarded-for': ip } });
    expect((await as('198.51.100.1')).status).toBe(200);
    expect((await as('198.51.100.1')).status).toBe(200);
    expectLimited(await as('198.51.100.1'), 'RATE_LIMIT_API_PER_MINUTE');
    expect((await as('198.51.100.2')).status).toBe(200);
  });

  it('serves /metrics without the token when METRICS_PUBLIC=true, and never limits it', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await rawRequest(h.url, 'GET', '/metrics');
      expect(res.status).toBe(200);
      expect(res.body).toContain('cca_tasks');
    }
    expect((await rawRequest(h.url, 'GET', '/api/tasks')).status).toBe(401);
  });

  it('checks the forwarded host too, so a page cannot rebind through a trusted proxy header', async () => {
    const res = await rawRequest(h.url, 'GET', '/', { headers: { 'x-forwarded-host': 'rebind.evil.example' } });
    expect(res.status).toBe(421);
  });
});

describe.skipIf(!(hasPostgres && hasRedis))('rate limits across API processes (Redis)', () => {
  let a: Harness;
  let b: Harness;
  beforeAll(async () => {
    const shared = { schema: freshSchemaName(), redisPrefix: freshRedisPrefix() };
    const env = { RATE_LIMIT_API_PER_MINUTE: '4', RATE_LIMIT_WEBHOOKS_PER_MINUTE: '2', GITHUB_WEBHOOK_SECRET: 'gh-rl-redis' };
    a = await startHarness({ model, distributed: true, ...shared, env });
    b = await startHarness({ model, distributed: true, ...shared, env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('counts one client across two API processes', async () => {
    for (const h of [a, b, a, b]) expect((await rawRequest(h.url, 'GET', '/api/tasks')).status).toBe(200);
    expectLimited(await rawRequest(a.url, 'GET', '/api/tasks'), 'RATE_LIMIT_API_PER_MINUTE');
    expectLimited(await rawRequest(b.url, 'GET', '/api/tasks'), 'RATE_LIMIT_API_PER_MINUTE');
  });

  it('counts webhooks per provider across two API processes', async () => {
    const post = (h: Harness) => rawRequest(h.url, 'POST', '/webhooks/github', { body: '{}', headers: { 'x-github-event': 'ping' } });
    expect((await post(a)).status).toBe(401);
    expect((await post(b)).status).toBe(401);
    expectLimited(await post(a), 'RATE_LIMIT_WEBHOOKS_PER_MINUTE');
  });
});

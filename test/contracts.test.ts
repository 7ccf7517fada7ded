// Issue 11, item 5: every /api route validates and answers through its zod contract (src/contracts), and the OpenAPI
// document at /openapi.json, generated from the same contracts, lists each of them; /docs browses it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { BudgetState } from '../src/contracts/budgets.js';
import { createServices, type Services } from '../src/services.js';

const TOKEN = 'contracts-test-token-7c2d';
const AUTH = { authorization: `Bearer ${TOKEN}` };

describe('API contracts and their OpenAPI document', () => {
  let dataDir: string;
  let services: Services;
  let app: FastifyInstance;
  let routes: RouteOptions[];
  let doc: { openapi: string; paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-contracts-'));
    const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', API_TOKEN: TOKEN, RATE_LIMIT_API_PER_MINUTE: '0' });
    services = await createServices(config, {});
    ({ app, routes } = await buildApp(services));
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(async () => {
    await app?.close();
    await services?.close(1000);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const apiRoutes = () =>
    routes.flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({ method, url: r.url, schema: r.schema }))).filter((r) => r.url.startsWith('/api/') && r.method !== 'HEAD');

  it('gives every /api route a response contract, and the document lists each one', () => {
    const table = apiRoutes();
    expect(table.length).toBeGreaterThan(40);
    for (const r of table) {
      const where = `${r.method} ${r.url}`;
      const response = (r.schema?.response ?? {}) as Record<string, unknown>;
      expect(Object.keys(response).some((code) => /^2\d\d$/.test(code)), `${where} has a response schema for its success`).toBe(true);
      if (r.url.includes('/:')) expect(r.schema?.params, `${where} has a params schema`).toBeDefined();
      const documented = doc.paths[r.url.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()];
      expect(documented, `${where} is in /openapi.json`).toBeDefined();
      expect(Object.keys(documented!.responses ?? {}).some((code) => /^2\d\d$/.test(code)), `${where} documents its success`).toBe(true);
    }
    // And nothing else: the dashboard's files, sockets and webhooks are not part of the JSON API's document.
    const documentedPaths = Object.keys(doc.paths);
    expect(documentedPaths.filter((p) => !p.startsWith('/api/') && p !== '/health')).toEqual([]);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('serves the document and the browsable docs without the token, from the npm package, under the usual CSP', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/tasks' })).statusCode).toBe(401);
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('swagger-ui-bundle.js');
    expect(page.body).not.toMatch(/<script[^>]+src="https?:/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const bundle = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/docs/json' })).json().paths).toEqual(doc.paths);
    // The document says how to authenticate.
    const full = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(full.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('refuses a request that breaks its contract with a 400 naming the field, and changes nothing', async () => {
    const empty = await app.inject({ method: 'POST', url: '/api/chat', headers: AUTH, payload: { message: '  ' } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ error: 'invalid chat request: message: must not be empty', field: 'message', details: ['message: must not be empty'] });
    const query = await app.inject({ method: 'GET', url: '/api/tasks?limit=0', headers: AUTH });
    expect(query.statusCode).toBe(400);
    expect(query.json().error).toMatch(/^invalid query: limit: /);
    const noBody = await app.inject({ method: 'POST', url: '/api/budgets', headers: AUTH });
    expect(noBody.statusCode).toBe(400);
    expect(noBody.json().error).toMatch(/^invalid budget: /);
    expect((await app.inject({ method: 'GET', url: '/api/tasks', headers: AUTH })).json().tasks).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/budgets', headers: AUTH })).json().budgets).toEqual([]);
  });

  it('answers through the response contract without dropping a field', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/budgets', headers: AUTH, payload: { scope: 'global', limit_usd: 5 } });
    expect(created.statusCode).toBe(201);
    expect(Object.keys(created.json()).sort()).toEqual(Object.keys(BudgetState.shape).sort());
    const badCursor = await app.inject({ method: 'GET', url: '/api/ledger?cursor=bm9wZQ', headers: AUTH });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().error).toBe('invalid query: cursor: is not one this API returned');
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { isServicePath, staticRoutes } from './static.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function appWith(files: Record<string, string> | null, demo = false) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-web-'));
  dirs.push(root);
  for (const [name, text] of Object.entries(files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  fs.writeFileSync(path.join(path.dirname(root), `${path.basename(root)}-secret.txt`), 'outside');
  const app = Fastify();
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` }));
  app.get('/api/tasks', async () => ({ tasks: [] }));
  await staticRoutes(app, { root, demo });
  return app;
}

describe('the dashboard route', () => {
  it('serves files, falls back to index.html for client routes, and leaves service paths to their 404', async () => {
    const app = await appWith({ 'index.html': '<div id="root"></div>', 'assets/app-1a2b.js': 'console.log(1)', 'favicon.svg': '<svg/>' });
    const page = await app.inject('/ledger?status=failed');
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe('<div id="root"></div>');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect((await app.inject('/')).body).toBe('<div id="root"></div>');
    const asset = await app.inject('/assets/app-1a2b.js');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject('/favicon.svg')).headers['cache-control']).toBe('no-cache');
    expect((await app.inject('/assets/app-old.js')).statusCode).toBe(404);
    for (const url of ['/api/nothing', '/ws', '/webhooks/github', '/health/x', '/metrics/x']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toEqual({ error: `no route GET ${url}` });
    }
    expect((await app.inject('/api/tasks')).json()).toEqual({ tasks: [] });
    // A client route that merely starts like a service word is the dashboard's.
    expect((await app.inject('/apis-overview')).body).toBe('<div id="root"></div>');
    const escape = await app.inject(`/..%2f${path.basename(dirs.at(-1)!)}-secret.txt`);
    expect(escape.body).not.toContain('outside');
  });

  it('says how to build the dashboard when web/dist is missing, with the demo notice', async () => {
    const app = await appWith(null, true);
    const res = await app.inject('/chat');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('npm run build');
    expect(res.body).toContain('DEMO');
    expect((await app.inject('/api/nothing')).statusCode).toBe(404);
  });

  it('knows a service path in every spelling, so a route that missed it never gets index.html', () => {
    for (const url of ['/api/tasks', '/%61pi/tasks', '/%2561pi/tasks', '//api/tasks', '/API/tasks', '/./api/tasks', '/x/../api/tasks', '/api%2Ftasks', '/%5capi/tasks', '/api;x/tasks', '/api', '/api?x', '/api#x', '/WS/s1', '/%77s/s1', '/Metrics', '/metrics;x', '/webhooks%2fgithub', '/%68ealth', '//mcp']) {
      expect(isServicePath(url), url).toBe(true);
    }
    for (const url of ['/', '/ledger', '/apis-overview', '/chat/conv_1', '/assets/app.js', '/%zz', '/wsx']) expect(isServicePath(url), url).toBe(false);
  });
});

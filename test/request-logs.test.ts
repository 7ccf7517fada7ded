import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

// Issue 13 item 1 / issue 14 item 8: a line per request costs more than the request itself under load, so request
// logs are at debug; an info-level service writes none.
const perRequest = (lines: string[]) =>
  lines.map((l) => JSON.parse(l) as { msg?: string; req?: { url?: string }; statusCode?: number }).filter((l) => l.msg === 'incoming request' || l.msg === 'request completed');

async function traffic(level: string, model: ScriptedModel) {
  const logLines: string[] = [];
  const h = await startHarness({ model, logLines, env: { LOG_LEVEL: level } });
  try {
    expect((await h.request('GET', '/health')).status).toBe(200);
    expect((await h.request('GET', '/api/tasks')).status).toBe(200);
    expect((await h.request('GET', '/api/no-such-route')).status).toBe(404);
  } finally {
    await h.close();
  }
  return logLines;
}

describe('request logs', () => {
  let model: ScriptedModel;
  beforeAll(async () => {
    model = await startScriptedModel();
  });
  afterAll(async () => {
    await model?.close();
  });

  it('an info-level service logs no per-request lines', async () => {
    const lines = await traffic('info', model);
    expect(lines.length).toBeGreaterThan(0); // it does log (start-up), just not each request
    expect(perRequest(lines)).toEqual([]);
  });

  it('at debug, one line per request with its method, URL, status and time', async () => {
    const lines = perRequest(await traffic('debug', model));
    const health = lines.filter((l) => l.req?.url === '/health');
    expect(health).toHaveLength(1);
    expect(health[0]).toMatchObject({ msg: 'request completed', statusCode: 200, req: { method: 'GET', url: '/health' } });
    expect(lines.find((l) => l.req?.url === '/api/no-such-route')).toMatchObject({ statusCode: 404 });
  });
});

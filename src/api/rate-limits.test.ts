import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/service-process.js';
import { freshRedisPrefix, hasRedis, REDIS_URL } from '../../test/support/services.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { limitApi, rateLimitStore } from './rate-limits.js';

const log = createLogger({ LOG_LEVEL: 'silent', secretValues: [] });

async function limitedApp(env: Record<string, string>) {
  const config = loadConfig({ RATE_LIMIT_API_PER_MINUTE: '1', ...env });
  const store = await rateLimitStore(config, log);
  const app = Fastify();
  await app.register(async (api) => {
    await limitApi(api, config, store);
    api.get('/api/ping', async () => ({ ok: true }));
  });
  app.addHook('onClose', async () => store.close());
  return app;
}

describe('rate limit store', () => {
  const apps: Array<{ close(): Promise<unknown> }> = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('lifts the limits rather than stalling the API while Redis is unreachable', async () => {
    const app = await limitedApp({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    apps.push(app);
    for (let i = 0; i < 3; i++) expect((await app.inject('/api/ping')).statusCode).toBe(200);
  });

  it.skipIf(!hasRedis)('keeps its counts in Redis under REDIS_PREFIX', async () => {
    const prefix = freshRedisPrefix();
    const app = await limitedApp({ REDIS_URL, REDIS_PREFIX: prefix });
    apps.push(app);
    expect((await app.inject('/api/ping')).statusCode).toBe(200);
    expect((await app.inject('/api/ping')).statusCode).toBe(429);
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      expect(keys).toEqual([`${prefix}:rate-limit:api:127.0.0.1`]);
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });
});

// Rate limits through @fastify/rate-limit: per client on the API scope, per provider and sender on webhooks.
// With REDIS_URL the counts are kept in Redis, so a limit holds across API processes.
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { PROVIDER_NAMES } from '../contracts/webhook-commands.js';

export interface RateLimitStore {
  redis?: Redis;
  prefix: string;
  close(): void;
}

/**
 * The limiter's own Redis connection. It fails fast instead of queueing (no offline queue, one retry) and the
 * limiter skips a count it cannot make: a Redis outage must not stall the API or refuse webhooks, it only lifts the
 * limits until Redis is back.
 */
export async function rateLimitStore(config: Config, log: Logger): Promise<RateLimitStore> {
  const prefix = `${config.REDIS_PREFIX}:rate-limit:`;
  if (!config.REDIS_URL || (!config.RATE_LIMIT_API_PER_MINUTE && !config.RATE_LIMIT_WEBHOOKS_PER_MINUTE)) return { prefix, close() {} };
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5000 });
  let warned = false;
  redis.on('error', (err) => {
    if (!warned) log.warn({ err }, 'rate limits: Redis unreachable; limits are not enforced until it is back');
    warned = true;
  });
  redis.on('ready', () => (warned = false));
  // Start-up waits for Redis this long at most; a failed connect keeps retrying in the background.
  await Promise.race([redis.connect().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
  return { redis, prefix, close: () => redis.disconnect() };
}

interface Limit {
  max: number;
  setting: string;
  per: string;
  name: string;
  key: (req: FastifyRequest) => string;
}

/** Adds the limit as the scope's first onRequest hook, so every request counts, refused ones included. */
async function limit(scope: FastifyInstance, store: RateLimitStore, l: Limit): Promise<void> {
  if (l.max <= 0) return;
  await scope.register(rateLimit, {
    global: false,
    max: l.max,
    timeWindow: 60_000,
    keyGenerator: l.key,
    redis: store.redis,
    nameSpace: `${store.prefix}${l.name}:`,
    skipOnError: true,
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(new Error(`too many requests: at most ${ctx.max} a minute ${l.per} (${l.setting}); retry in ${ctx.after}`), { statusCode: ctx.statusCode }),
  });
  scope.addHook('onRequest', scope.rateLimit());
}

// IPv6 clients are counted per /64, as the plugin does by default: one host usually holds a whole /64.
const clientOf = (req: FastifyRequest) => normalizeIP(req.ip, 64);
const WEBHOOK_PROVIDERS = new Set<string>([...PROVIDER_NAMES, 'generic']);

export function limitApi(scope: FastifyInstance, config: Config, store: RateLimitStore): Promise<void> {
  return limit(scope, store, { max: config.RATE_LIMIT_API_PER_MINUTE, setting: 'RATE_LIMIT_API_PER_MINUTE', per: 'per client', name: 'api', key: clientOf });
}

/**
 * Per provider and sending address: a flood of unsigned posts from one address cannot use up the allowance of the
 * provider's real deliveries (behind an untrusted proxy every sender shares one address, so it is per provider).
 */
export function limitWebhooks(scope: FastifyInstance, config: Config, store: RateLimitStore): Promise<void> {
  return limit(scope, store, {
    max: config.RATE_LIMIT_WEBHOOKS_PER_MINUTE,
    setting: 'RATE_LIMIT_WEBHOOKS_PER_MINUTE',
    per: 'per provider and sender',
    name: 'webhooks',
    key: (req) => {
      const provider = (req.params as { provider?: string } | undefined)?.provider ?? '';
      return `${WEBHOOK_PROVIDERS.has(provider) ? provider : 'unknown'}:${clientOf(req)}`;
    },
  });
}

import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** How long start-up waits for Redis before going on without it (degraded). */
const START_WAIT_MS = 3_000;

/**
 * The service's Redis connection. Start-up does not depend on it: when Redis cannot be reached the service starts
 * degraded (tasks are stored as `queued`, /health says so) and the client keeps reconnecting; `onReconnect` runs at every
 * connection made after start-up so the caller can enqueue what was stored meanwhile. The outage and the return are logged once each.
 */
export async function connectRedis(url: string, log: Logger, onReconnect: () => void): Promise<Redis> {
  // maxRetriesPerRequest: null is what BullMQ needs; BullmqQueue and RedisEventBus check `status` rather than wait.
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const where = describeRedis(url);
  let down = false;
  let connectedOnce = false;
  let started = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ redis: where, reason: err.message }, 'Redis is unreachable: tasks are stored as queued and enqueued when it returns');
  });
  redis.on('close', () => {
    if (connectedOnce && !down) {
      down = true;
      log.warn({ redis: where }, 'lost the connection to Redis: tasks are stored as queued and enqueued when it returns');
    }
  });
  redis.on('ready', () => {
    if (down) log.info({ redis: where }, 'Redis is reachable again: enqueueing the tasks stored meanwhile');
    connectedOnce = true;
    down = false;
    // A connection made during start-up is followed by start-up's own reconciliation.
    if (started) onReconnect();
  });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, START_WAIT_MS);
    redis.once('ready', () => (clearTimeout(timer), resolve()));
  });
  started = true;
  if (redis.status !== 'ready') log.warn({ redis: where }, 'starting without Redis (degraded): /health reports it until it is reachable');
  return redis;
}

/** host:port of a Redis URL, without credentials. */
export function describeRedis(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 6379}`;
}

import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { BullmqQueue } from '../src/queue/bullmq-queue.js';
import { EmbeddedQueue } from '../src/queue/embedded-queue.js';
import type { TaskQueue } from '../src/queue/queue.js';
import { freshRedisPrefix, hasRedis, REDIS_URL } from './support/services.js';

const connections: Redis[] = [];
const implementations: Array<{ name: string; skip: boolean; make: () => TaskQueue }> = [
  { name: 'embedded', skip: false, make: () => new EmbeddedQueue() },
  {
    name: 'BullMQ on Redis',
    skip: !hasRedis,
    make: () => {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
      connections.push(redis);
      return new BullmqQueue(redis, freshRedisPrefix());
    },
  },
];

afterAll(() => {
  for (const c of connections) c.disconnect();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const impl of implementations) {
  describe.skipIf(impl.skip)(`${impl.name} queue`, () => {
    it('delivers every id once, never more than `concurrency` at a time', async () => {
      const queue = impl.make();
      let active = 0;
      let peak = 0;
      const seen: string[] = [];
      for (let i = 0; i < 12; i++) await queue.enqueue(`t${i}`);
      await queue.enqueue('t3'); // already waiting: ignored
      expect(await queue.depth()).toBe(12);
      expect(await queue.contains('t5')).toBe(true);
      const done = new Promise<void>((resolve) => {
        queue.consume(async (id) => {
          active++;
          peak = Math.max(peak, active);
          await sleep(30);
          seen.push(id);
          active--;
          if (seen.length === 12) resolve();
        }, 3);
      });
      await done;
      expect(peak).toBe(3);
      expect([...seen].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `t${i}`).sort());
      await sleep(50);
      expect(await queue.contains('t5')).toBe(false);
      await queue.close();
    });

    it('removes a waiting id and stops delivering when paused', async () => {
      const queue = impl.make();
      await queue.enqueue('a');
      await queue.enqueue('b');
      await queue.remove('a');
      expect(await queue.contains('a')).toBe(false);
      const seen: string[] = [];
      queue.consume(async (id) => void seen.push(id), 1);
      await sleep(300);
      expect(seen).toEqual(['b']);
      await queue.pause();
      await queue.enqueue('c');
      await sleep(300);
      expect(seen).toEqual(['b']);
      expect(await queue.contains('c')).toBe(true); // still there for another worker
      expect(await queue.depth()).toBe(1);
      await queue.close();
    });

    it('delivers in order, but a fresh entry (a task recovered from a dead worker) before what waits', async () => {
      const queue = impl.make();
      for (const id of ['a', 'b', 'c']) await queue.enqueue(id);
      await queue.enqueue('r', { fresh: true });
      const seen: string[] = [];
      const done = new Promise<void>((resolve) => {
        queue.consume(async (id) => {
          seen.push(id.split('.')[0]!);
          if (seen.length === 4) resolve();
        }, 1);
      });
      await done;
      expect(seen).toEqual(['r', 'a', 'b', 'c']);
      await queue.close();
    });
  });
}

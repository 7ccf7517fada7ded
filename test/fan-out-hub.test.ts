/**
 * The WebSocket hub and the Redis event bus on their own, over real sockets and the real Redis: a thousand clients
 * get every event in order, a client that stops reading is cut (1013) without holding up the publisher or anyone
 * else, and events published in bursts over Redis arrive in order in fewer messages than events.
 */
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LiveEvent } from '../src/contracts/events.js';
import { LocalEventBus } from '../src/live/event-bus.js';
import { RedisEventBus } from '../src/live/redis-event-bus.js';
import { TOO_SLOW_CLOSE_CODE, WebSocketHub } from '../src/live/ws-hub.js';
import { freshRedisPrefix, hasRedis, REDIS_URL } from './support/services.js';

const output = (seq: number, text: string): LiveEvent => ({
  type: 'task.output',
  task_id: 'task-1',
  session_id: 'run-session',
  seq,
  item: { kind: 'text_delta', text },
  ts: new Date(0).toISOString(),
});

/** A client subscribed to every task that records the seqs it receives and how it was closed. */
interface TestClient {
  socket: WebSocket;
  seqs: number[];
  closed: Promise<number>;
}

function connect(url: string, name: string): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}/ws/${name}`);
    const client: TestClient = { socket, seqs: [], closed: new Promise((r) => socket.on('close', (code) => r(code))) };
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; seq?: number };
      if (message.type === 'hello') socket.send(JSON.stringify({ type: 'subscribe', all: true }));
      else if (message.type === 'subscribed') resolve(client);
      else if (message.type === 'task.output') client.seqs.push(message.seq!);
    });
    socket.on('error', reject);
  });
}

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((r) => setTimeout(r, 20));
};

describe('WebSocket hub fan-out', () => {
  let app: FastifyInstance | undefined;
  let hub: WebSocketHub | undefined;
  const clients: TestClient[] = [];

  const start = async (maxBufferedBytes?: number) => {
    const bus = new LocalEventBus();
    hub = new WebSocketHub(bus, { maxBufferedBytes });
    app = Fastify();
    await app.register(websocket);
    hub.register(app);
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    return { bus, url: address.replace('http', 'ws') };
  };

  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.terminate();
    hub?.close();
    await app?.close();
  });

  it('1,000 clients connected to one run all receive every one of 1,000 events, in order', async () => {
    const { bus, url } = await start();
    for (let i = 0; i < 1000; i += 100) clients.push(...(await Promise.all(Array.from({ length: 100 }, (_, j) => connect(url, `c${i + j}`)))));
    const seqs = Array.from({ length: 1000 }, (_, i) => i + 1);
    for (const seq of seqs) await bus.publish(output(seq, `delta ${seq} `));
    await until(() => clients.every((c) => c.seqs.length >= seqs.length));
    for (const c of clients) expect(c.seqs).toEqual(seqs);
    expect(hub!.clientCount).toBe(1000);
  }, 120_000);

  it('a client that stops reading is cut with 1013 while the publisher and the other clients go on', async () => {
    const { bus, url } = await start(4 * 1024 * 1024);
    const paused = await connect(url, 'paused');
    const reader = await connect(url, 'reader');
    clients.push(paused, reader);
    // The paused client's socket stops reading: the kernel buffers fill, then the server's queue for it grows.
    (paused.socket as unknown as { _socket: { pause(): void } })._socket.pause();

    const chunk = 'x'.repeat(20 * 1024);
    const seqs = Array.from({ length: 1500 }, (_, i) => i + 1); // 30 MB: far more than loopback's kernel buffers hold
    for (const seq of seqs) await bus.publish(output(seq, chunk)); // returns at once: publishing never waits on a client
    await until(() => reader.seqs.length >= seqs.length);
    expect(reader.seqs).toEqual(seqs); // everything, while the paused client still had not read

    (paused.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await paused.closed).toBe(TOO_SLOW_CLOSE_CODE);
    expect(paused.seqs.length).toBeLessThan(seqs.length);
    expect(paused.seqs).toEqual(seqs.slice(0, paused.seqs.length)); // what it got has no gap: it replays the rest
    expect(reader.socket.readyState).toBe(WebSocket.OPEN);
  }, 120_000);
});

describe.skipIf(!hasRedis)('Redis event bus publishing in batches', () => {
  it('events published in bursts arrive in order, in fewer Redis messages than events', async () => {
    const prefix = freshRedisPrefix();
    const publisher = new Redis(REDIS_URL);
    const listener = new Redis(REDIS_URL);
    const raw = new Redis(REDIS_URL);
    const sender = new RedisEventBus(publisher, prefix);
    const receiver = new RedisEventBus(listener, prefix);
    try {
      await receiver.whenReady();
      let messages = 0;
      raw.on('message', () => messages++);
      await raw.subscribe(`${prefix}:events`);
      const received: number[] = [];
      receiver.subscribe((e) => {
        if (e.type === 'task.output') received.push(e.seq);
      });

      // Ten bursts of 100, the next begun before the last is out, so several PUBLISHes are in flight at once.
      const published: Array<Promise<void>> = [];
      for (let burst = 0; burst < 10; burst++) {
        for (let i = 1; i <= 100; i++) published.push(sender.publish(output(burst * 100 + i, `d${i}`)));
        await new Promise((r) => setImmediate(r));
      }
      await Promise.all(published);
      await until(() => received.length >= 1000);
      expect(received).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(messages).toBeGreaterThan(0);
      expect(messages).toBeLessThan(100);
    } finally {
      await sender.close();
      await receiver.close();
      raw.disconnect();
      publisher.disconnect();
      listener.disconnect();
    }
  }, 60_000);
});

/**
 * The WebSocket hub and the Redis event bus on their own, over real sockets and the real Redis: a thousand clients
 * get every event in order, a client that stops reading is cut (1013) without holding up the publisher or anyone
 * else, clients with different subscriptions get just their own events from the frames built once per round, a client
 * that negotiated compression still gets everything, and events published in bursts over Redis arrive in order in
 * fewer messages than events.
 */
import type { Socket } from 'node:net';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientOptions, WebSocket } from 'ws';
import type { LiveEvent } from '../src/contracts/events.js';
import { LocalEventBus } from '../src/live/event-bus.js';
import { RedisEventBus } from '../src/live/redis-event-bus.js';
import { TOO_SLOW_CLOSE_CODE, WebSocketHub } from '../src/live/ws-hub.js';
import { freshRedisPrefix, hasRedis, REDIS_URL } from './support/services.js';

const output = (seq: number, text: string, task = 'task-1', session = 'run-session'): LiveEvent => ({
  type: 'task.output',
  task_id: task,
  session_id: session,
  seq,
  item: { kind: 'text_delta', text },
  ts: new Date(0).toISOString(),
});

/** A client that records the `task.output` events it receives (`task:seq`, and task-1's seqs) and how it was closed. */
interface TestClient {
  socket: WebSocket;
  seqs: number[];
  received: string[];
  closed: Promise<number>;
}

const ALL = { type: 'subscribe', all: true };

/** Connects as session `name` and sends `subscribe` (every task, unless told otherwise; null: nothing). */
function connect(url: string, name: string, subscribe: object | null = ALL, options: ClientOptions = {}): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}/ws/${name}`, options);
    const client: TestClient = { socket, seqs: [], received: [], closed: new Promise((r) => socket.on('close', (code) => r(code))) };
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; task_id?: string; seq?: number };
      if (message.type === 'hello' && subscribe) socket.send(JSON.stringify(subscribe));
      else if (message.type === 'hello' || message.type === 'subscribed') resolve(client);
      else if (message.type === 'task.output') {
        client.received.push(`${message.task_id}:${message.seq}`);
        if (message.task_id === 'task-1') client.seqs.push(message.seq!);
      }
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

  const start = async (maxBufferedBytes?: number, perMessageDeflate = false) => {
    const bus = new LocalEventBus();
    hub = new WebSocketHub(bus, { maxBufferedBytes });
    app = Fastify();
    await app.register(websocket, { options: { perMessageDeflate } });
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

  it('a burst is framed once: each client subscribed to everything gets it in one write of the same buffer', async () => {
    const { bus, url } = await start();
    // What the server writes to each client's TCP socket, from now on.
    const writes: Array<Array<Buffer | string>> = [];
    app!.server.on('connection', (tcp: Socket) => {
      const mine: Array<Buffer | string> = [];
      writes.push(mine);
      const write = tcp.write.bind(tcp) as (...args: unknown[]) => boolean;
      tcp.write = ((chunk: Buffer | string, ...rest: unknown[]) => (mine.push(chunk), write(chunk, ...rest))) as typeof tcp.write;
    });
    clients.push(...(await Promise.all(['a', 'b', 'c'].map((name) => connect(url, name)))));
    for (const w of writes) w.splice(0); // the handshake, hello and subscribed

    const seqs = Array.from({ length: 100 }, (_, i) => i + 1);
    for (const seq of seqs) void bus.publish(output(seq, `delta ${seq} `)); // one burst, as a recorder's flushed batch
    await until(() => clients.every((c) => c.seqs.length >= seqs.length));
    for (const c of clients) expect(c.seqs).toEqual(seqs);
    expect(writes.map((w) => w.length)).toEqual([1, 1, 1]);
    expect(writes[1]![0]).toBe(writes[0]![0]);
    expect(writes[2]![0]).toBe(writes[0]![0]);
  }, 60_000);

  it('in the same rounds, clients subscribed differently each get exactly their own events, in order', async () => {
    const { bus, url } = await start();
    const everything = await connect(url, 'dashboard');
    const ownSession = await connect(url, 'run-session', null); // no subscription: its session's tasks only
    const oneTask = await connect(url, 'elsewhere', { type: 'subscribe', task_id: 'task-2' });
    const nothing = await connect(url, 'idle', null);
    clients.push(everything, ownSession, oneTask, nothing);
    const published: string[] = [];
    // Bursts of both tasks interleaved, so each round holds events of each and the hub picks per client.
    for (let seq = 1; seq <= 300; seq++) {
      await bus.publish(output(seq, `one ${seq}`));
      await bus.publish(output(seq, `two ${seq}`, 'task-2', 'other-session'));
      published.push(`task-1:${seq}`, `task-2:${seq}`);
      if (seq % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await bus.publish(output(1, 'last', 'task-3', 'idle')); // the idle client's own session: the only event it gets
    await until(() => everything.received.length > published.length && nothing.received.length >= 1 && ownSession.received.length + oneTask.received.length >= published.length);
    expect(everything.received).toEqual([...published, 'task-3:1']);
    expect(ownSession.received).toEqual(published.filter((e) => e.startsWith('task-1:')));
    expect(oneTask.received).toEqual(published.filter((e) => e.startsWith('task-2:')));
    expect(nothing.received).toEqual(['task-3:1']);
  }, 60_000);

  it('a client that negotiated compression gets every event in order alongside one that did not', async () => {
    const { bus, url } = await start(undefined, true);
    const deflating = await connect(url, 'deflating', ALL, { perMessageDeflate: true });
    const plain = await connect(url, 'plain', ALL, { perMessageDeflate: false });
    clients.push(deflating, plain);
    expect(deflating.socket.extensions).toContain('permessage-deflate');
    expect(plain.socket.extensions).toBe('');
    const seqs = Array.from({ length: 500 }, (_, i) => i + 1);
    for (const seq of seqs) await bus.publish(output(seq, `delta ${seq} `.repeat(20)));
    await until(() => deflating.seqs.length >= seqs.length && plain.seqs.length >= seqs.length);
    expect(deflating.seqs).toEqual(seqs);
    expect(plain.seqs).toEqual(seqs);
  }, 60_000);
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

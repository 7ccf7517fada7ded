import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { ClientMessage, type LiveEvent } from '../contracts/events.js';
import { JsonTooDeepError, parseUntrustedJson } from '../security/json-depth.js';
import type { EventBus } from './event-bus.js';

interface Client {
  socket: WebSocket;
  sessionId: string;
  all: boolean;
  tasks: Set<string>;
}

// A client that cannot keep up is dropped rather than buffering without bound; it reconnects and replays.
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/**
 * How long the fan-out sends before the event loop gets a turn. Other I/O — a run's stdout, /health, the next
 * request — waits at most about this long, however many clients there are. Measured in time, not sends: a send
 * costs a few microseconds or, when the kernel copies megabytes, milliseconds (more on a busy machine).
 */
const SLICE_MS = 10;

/** An event on its way out: serialised once, the same bytes handed to every client. */
interface Outgoing {
  data: Buffer;
  targets: Client[];
  next: number;
}

/**
 * WebSocket `/ws/{session_id}`: a client gets the events of its session's tasks, plus any task it subscribes to
 * (`{"type":"subscribe","task_id":…}`) or every task (`{"type":"subscribe","all":true}`, the dashboard overview).
 */
export class WebSocketHub {
  private readonly clients = new Set<Client>();
  private readonly unsubscribe: () => void;
  /** Events published and not yet sent to every client, in publish order. */
  private readonly pending: LiveEvent[] = [];
  private current?: Outgoing;
  private draining?: NodeJS.Immediate;

  constructor(bus: EventBus) {
    // Publishing only queues: the fan-out runs in slices of its own, so a publisher (the recorder reading a run's
    // stream) is never held up by a thousand sockets.
    this.unsubscribe = bus.subscribe((event) => {
      this.pending.push(event);
      this.draining ??= setImmediate(this.drain);
    });
  }

  get clientCount(): number {
    return this.clients.size;
  }

  register(app: FastifyInstance): void {
    app.get<{ Params: { session_id: string } }>('/ws/:session_id', { websocket: true }, (socket, req) => {
      const client: Client = { socket, sessionId: req.params.session_id, all: false, tasks: new Set() };
      this.clients.add(client);
      socket.on('message', (data) => this.onMessage(client, data.toString()));
      socket.on('close', () => this.clients.delete(client));
      socket.on('error', () => this.clients.delete(client));
      socket.send(JSON.stringify({ type: 'hello', session_id: client.sessionId }));
    });
  }

  private onMessage(client: Client, text: string): void {
    let message: ClientMessage;
    try {
      message = ClientMessage.parse(parseUntrustedJson(text));
    } catch (err) {
      const why = err instanceof JsonTooDeepError ? `${err.message}; ` : '';
      client.socket.send(JSON.stringify({ type: 'error', error: `${why}unknown message: send {"type":"subscribe","task_id":"…"} or {"type":"subscribe","all":true}` }));
      return;
    }
    if (message.type === 'ping') {
      client.socket.send(JSON.stringify({ type: 'pong' }));
      return;
    }
    const on = message.type === 'subscribe';
    if (message.all !== undefined) client.all = on && message.all;
    if (message.task_id) {
      if (on) client.tasks.add(message.task_id);
      else client.tasks.delete(message.task_id);
    }
    client.socket.send(JSON.stringify({ type: on ? 'subscribed' : 'unsubscribed', task_id: message.task_id ?? null, all: client.all }));
  }

  /** Sends queued events, in order, until the slice's time is up; then yields and goes on in the next turn. */
  private readonly drain = (): void => {
    this.draining = undefined;
    const until = performance.now() + SLICE_MS;
    while (performance.now() < until) {
      if (!this.current) {
        const event = this.pending.shift();
        if (!event) return;
        // Who gets it is decided when its turn comes, so a client subscribed meanwhile gets it too (replay dedups).
        const targets = [...this.clients].filter((c) => c.all || c.sessionId === event.session_id || c.tasks.has(event.task_id));
        if (targets.length === 0) continue;
        this.current = { data: Buffer.from(JSON.stringify(event)), targets, next: 0 };
      }
      const out = this.current;
      while (out.next < out.targets.length && performance.now() < until) this.send(out.targets[out.next++]!, out.data);
      if (out.next >= out.targets.length) this.current = undefined;
    }
    this.draining = setImmediate(this.drain);
  };

  private send(client: Client, data: Buffer): void {
    const socket = client.socket;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.close(1013, 'too slow: reconnect and replay from /api/tasks/{id}/events');
      return;
    }
    // The same Buffer for every client: ws frames it without copying, so a 2 MB event costs 2 MB, not 2 GB.
    socket.send(data, { binary: false });
  }

  close(): void {
    this.unsubscribe();
    if (this.draining) clearImmediate(this.draining);
    for (const client of this.clients) client.socket.close(1001, 'server shutting down');
  }
}

import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { ClientMessage, type LiveEvent } from '../contracts/events.js';
import { JsonTooDeepError, parseUntrustedJson } from '../security/json-depth.js';
import type { EventBus } from './event-bus.js';
import { type FramedBatch, frameSocket, frameTexts } from './ws-frames.js';

interface Client {
  socket: WebSocket;
  sessionId: string;
  all: boolean;
  tasks: Set<string>;
}

/** A client that cannot keep up is cut rather than buffered without bound; it reconnects and replays. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Close code for a client cut for being too slow: "try again later" — reconnect, then replay what was missed. */
export const TOO_SLOW_CLOSE_CODE = 1013;
/**
 * How long the fan-out sends before the event loop gets a turn. Other I/O — a run's stdout, /health, the next
 * request — waits at most about this long, however many clients there are. Measured in time, not sends: a send
 * costs a few microseconds or, when the kernel copies megabytes, milliseconds (more on a busy machine).
 */
const SLICE_MS = 10;
/**
 * Events taken from the queue at a time: each client gets its share of them in one write. A round takes whatever was
 * published while the last one went out, so the busier the hub, the larger (and fewer) its writes.
 */
const MAX_ROUND_EVENTS = 256;
/**
 * Bytes a slice hands each client before the event loop gets a turn, so a client that reads as fast as it can is
 * never more than about this far behind because of how the hub batches — only because of how it reads.
 */
const MAX_SLICE_BYTES = 1024 * 1024;

/**
 * Events on their way out: each serialised and framed once, back to back in one buffer, so a client that gets all of
 * them is handed that same buffer (one write, no copy per client) and any other client the frames of its own.
 */
interface Round {
  events: LiveEvent[];
  framed: FramedBatch;
  targets: Client[];
  next: number;
}

export interface WebSocketHubOptions {
  /** Bytes queued for one client beyond which it is cut with 1013 (default 8 MiB). */
  maxBufferedBytes?: number;
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
  private current?: Round;
  private draining?: NodeJS.Immediate;
  private readonly maxBufferedBytes: number;

  constructor(bus: EventBus, options: WebSocketHubOptions = {}) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
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

  /**
   * Sends queued events, in order, until the slice's time is up; then yields and goes on in the next turn. Events are
   * taken a round at a time and handed out client by client, so a client gets all of its share of a round in one
   * write (one syscall for a hundred small deltas, not a hundred) while every client still sees every event in order.
   */
  private readonly drain = (): void => {
    this.draining = undefined;
    const until = performance.now() + SLICE_MS;
    let bytes = 0;
    while (performance.now() < until && bytes < MAX_SLICE_BYTES) {
      if (!this.current) {
        if (this.pending.length === 0) return;
        this.current = this.nextRound();
      }
      const round = this.current;
      while (round.next < round.targets.length && performance.now() < until) this.sendRound(round.targets[round.next++]!, round);
      if (round.next < round.targets.length) break;
      bytes += round.framed.all.length;
      this.current = undefined;
    }
    this.draining = setImmediate(this.drain);
  };

  /** Serialises and frames the next events once, up to MAX_ROUND_EVENTS or about MAX_SLICE_BYTES (at least one event). */
  private nextRound(): Round {
    const events: LiveEvent[] = [];
    const payloads: Buffer[] = [];
    let bytes = 0;
    while (this.pending.length > 0 && events.length < MAX_ROUND_EVENTS && bytes < MAX_SLICE_BYTES) {
      const event = this.pending.shift()!;
      const data = Buffer.from(JSON.stringify(event));
      events.push(event);
      payloads.push(data);
      bytes += data.length;
    }
    // Who gets what is decided when the round starts, so a client subscribed meanwhile gets it too (replay dedups).
    return { events, framed: frameTexts(payloads), targets: [...this.clients], next: 0 };
  }

  private sendRound(client: Client, round: Round): void {
    const socket = client.socket;
    if (socket.readyState !== socket.OPEN) return;
    const { events, framed } = round;
    const mine = client.all ? events.map((_, i) => i) : events.flatMap((e, i) => (client.sessionId === e.session_id || client.tasks.has(e.task_id) ? [i] : []));
    if (mine.length === 0) return;
    if (socket.bufferedAmount > this.maxBufferedBytes) {
      // Never awaited and never buffered past the bound: the run and the other clients go on without it.
      socket.close(TOO_SLOW_CLOSE_CODE, 'too slow: reconnect and replay from /api/tasks/{id}/events');
      return;
    }
    const tcp = frameSocket(socket);
    if (!tcp) {
      // Compression negotiated: ws builds (and deflates) this client's frames itself.
      for (const i of mine) socket.send(framed.payloads[i]!, { binary: false });
      return;
    }
    // The frames built once for the round, one syscall per client per round: the whole buffer when the client gets
    // every event (the same bytes for every such client; the kernel's copy is the only one), else its own frames
    // corked into one writev.
    if (mine.length === events.length) {
      tcp.write(framed.all);
      return;
    }
    tcp.cork();
    for (const i of mine) tcp.write(framed.frames[i]!);
    tcp.uncork();
  }

  close(): void {
    this.unsubscribe();
    if (this.draining) clearImmediate(this.draining);
    for (const client of this.clients) client.socket.close(1001, 'server shutting down');
  }
}

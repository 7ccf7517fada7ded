import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { ClientMessage, type LiveEvent } from '../contracts/events.js';
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
 * WebSocket `/ws/{session_id}`: a client gets the events of its session's tasks, plus any task it subscribes to
 * (`{"type":"subscribe","task_id":…}`) or every task (`{"type":"subscribe","all":true}`, the dashboard overview).
 */
export class WebSocketHub {
  private readonly clients = new Set<Client>();
  private readonly unsubscribe: () => void;

  constructor(bus: EventBus) {
    this.unsubscribe = bus.subscribe((event) => this.broadcast(event));
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
      message = ClientMessage.parse(JSON.parse(text));
    } catch {
      client.socket.send(JSON.stringify({ type: 'error', error: 'unknown message: send {"type":"subscribe","task_id":"…"} or {"type":"subscribe","all":true}' }));
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

  private broadcast(event: LiveEvent): void {
    let text: string | undefined;
    for (const client of this.clients) {
      if (!(client.all || client.sessionId === event.session_id || client.tasks.has(event.task_id))) continue;
      if (client.socket.readyState !== client.socket.OPEN) continue;
      if (client.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        client.socket.close(1013, 'too slow: reconnect and replay from /api/tasks/{id}/events');
        continue;
      }
      text ??= JSON.stringify(event);
      client.socket.send(text);
    }
  }

  close(): void {
    this.unsubscribe();
    for (const client of this.clients) client.socket.close(1001, 'server shutting down');
  }
}

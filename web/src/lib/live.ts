import { LiveEvent } from './contracts';

export type LiveStatus = 'connecting' | 'open' | 'reconnecting' | 'stopped';

type EventListener = (event: LiveEvent) => void;

interface LiveOptions {
  /** The WebSocket URL, asked again on every (re)connect so a new token is used. */
  url: () => string;
  WebSocketImpl?: typeof WebSocket;
  pingMs?: number;
}

/** `dashboard-` and 12 random hex digits; getRandomValues works on plain-http origins where randomUUID does not. */
export function dashboardSessionId(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return `dashboard-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The app's one WebSocket: it subscribes to every task, hands each parsed LiveEvent to listeners, and reconnects
 * with backoff. After a reconnect, `onReconnect` listeners fetch what they missed from the replay API.
 */
export class LiveConnection {
  private socket: WebSocket | null = null;
  private readonly listeners = new Set<EventListener>();
  private readonly statusListeners = new Set<() => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private currentStatus: LiveStatus = 'stopped';
  private attempts = 0;
  private everOpened = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private lastError: string | null = null;

  constructor(private readonly opts: LiveOptions) {}

  get status(): LiveStatus {
    return this.currentStatus;
  }

  get error(): string | null {
    return this.lastError;
  }

  start(): void {
    if (this.socket || this.timer) return;
    this.connect();
  }

  stop(): void {
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    this.timer = undefined;
    const s = this.socket;
    this.socket = null;
    s?.close(1000, 'bye');
    this.setStatus('stopped');
  }

  /** Drops the socket and connects again at once (after signing in, the new token must be used). */
  restart(): void {
    this.stop();
    this.attempts = 0;
    this.connect();
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus = (listener: () => void): (() => void) => {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  };

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    for (const l of this.statusListeners) l();
  }

  private connect(): void {
    this.timer = undefined;
    const Impl = this.opts.WebSocketImpl ?? WebSocket;
    this.setStatus(this.everOpened ? 'reconnecting' : 'connecting');
    let socket: WebSocket;
    try {
      socket = new Impl(this.opts.url());
    } catch (err) {
      this.lastError = (err as Error).message;
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'subscribe', all: true }));
      this.attempts = 0;
      this.lastError = null;
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.setStatus('open');
      clearInterval(this.pinger);
      this.pinger = setInterval(() => socket.readyState === socket.OPEN && socket.send('{"type":"ping"}'), this.opts.pingMs ?? 25_000);
      if (reconnected) for (const l of this.reconnectListeners) l();
    };
    socket.onmessage = (message) => {
      let data: unknown;
      try {
        data = JSON.parse(String(message.data));
      } catch {
        return;
      }
      const parsed = LiveEvent.safeParse(data);
      if (!parsed.success) {
        // hello / subscribed / pong, or an error the hub sends back
        if ((data as { type?: string }).type === 'error') this.lastError = String((data as { error?: unknown }).error);
        return;
      }
      for (const l of this.listeners) l(parsed.data);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      clearInterval(this.pinger);
      if (event.code !== 1000) this.lastError = event.reason || `connection closed (${event.code})`;
      this.scheduleReconnect();
    };
    socket.onerror = () => {
      this.lastError = 'connection failed';
    };
  }

  private scheduleReconnect(): void {
    this.setStatus('reconnecting');
    const delay = Math.min(10_000, 500 * 2 ** this.attempts++);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

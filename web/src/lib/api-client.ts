import type { z } from 'zod';

/** An API answer that was not 2xx: the service's `{error, field?}` message, its status and the parsed body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
    readonly method = 'GET',
    readonly path = '',
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The request field the service blamed (`{error, field}`), if any. */
  get field(): string | undefined {
    const f = (this.body as { field?: unknown } | null)?.field;
    return typeof f === 'string' ? f : undefined;
  }

  /** Each problem the service listed (`details` from most routes, `problems` from the registry). */
  get details(): string[] {
    const body = this.body as { details?: unknown; problems?: unknown } | null;
    const d = body?.details ?? body?.problems;
    return Array.isArray(d) ? d.filter((x): x is string => typeof x === 'string') : [];
  }
}

export interface AuthState {
  /** The last request was refused for want of a (valid) token. */
  required: boolean;
  /** What the service said when it refused. */
  reason: string | null;
  hasToken: boolean;
}

interface ClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
}

const TOKEN_KEY = 'cca.api_token';

/**
 * The dashboard's only way to the service. It adds the API token (kept in sessionStorage, so it is gone with the
 * tab), turns non-2xx answers into ApiError with the service's own message, and on 401 flips the auth state the app
 * watches to show the sign-in form.
 */
export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly storage: ClientOptions['storage'];
  private auth: AuthState;
  private readonly listeners = new Set<() => void>();

  constructor(opts: ClientOptions = {}) {
    this.baseUrl = opts.baseUrl ?? '';
    this.fetchImpl = opts.fetch ?? ((...args) => fetch(...args));
    this.storage = opts.storage ?? (typeof sessionStorage === 'undefined' ? undefined : sessionStorage);
    this.auth = { required: false, reason: null, hasToken: !!this.token() };
  }

  token(): string | null {
    try {
      return this.storage?.getItem(TOKEN_KEY) ?? null;
    } catch {
      return null;
    }
  }

  setToken(token: string): void {
    this.storage?.setItem(TOKEN_KEY, token.trim());
    this.setAuth({ required: false, reason: null, hasToken: true });
  }

  signOut(): void {
    this.storage?.removeItem(TOKEN_KEY);
    this.setAuth({ required: false, reason: null, hasToken: false });
  }

  authState = (): AuthState => this.auth;

  onAuthChange = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private setAuth(next: AuthState): void {
    if (next.required === this.auth.required && next.reason === this.auth.reason && next.hasToken === this.auth.hasToken) return;
    this.auth = next;
    for (const l of this.listeners) l();
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const token = this.token();
    return { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, schema?: z.ZodType<T>): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, `cannot reach the service (${method} ${path}): ${(err as Error).message}`, null, method, path);
    }
    const text = await res.text();
    let data: unknown = text;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        // a non-JSON body (a proxy's error page): keep the text for the message
      }
    } else data = undefined;
    if (res.status === 401) {
      const reason = messageOf(data) ?? 'this service needs an API token';
      this.setAuth({ required: true, reason, hasToken: !!this.token() });
      throw new ApiError(401, reason, data, method, path);
    }
    if (!res.ok) {
      const message = messageOf(data) ?? `${method} ${path} answered ${res.status} ${res.statusText}`.trim();
      throw new ApiError(res.status, res.status === 404 && !messageOf(data) ? `${method} ${path}: not found` : message, data, method, path);
    }
    if (!schema) return data as T;
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw new ApiError(res.status, `unexpected answer from ${method} ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, data, method, path);
    }
    return parsed.data;
  }

  get = <T = unknown>(path: string, schema?: z.ZodType<T>) => this.request<T>('GET', path, undefined, schema);
  post = <T = unknown>(path: string, body?: unknown) => this.request<T>('POST', path, body ?? {});
  put = <T = unknown>(path: string, body: unknown) => this.request<T>('PUT', path, body);
  patch = <T = unknown>(path: string, body: unknown) => this.request<T>('PATCH', path, body);
  delete = (path: string) => this.request<void>('DELETE', path);

  /** Fetches a file with the token and hands it to the browser as a download (a plain link cannot send headers). */
  async download(path: string, filename: string): Promise<void> {
    const res = await this.fetchImpl(`${this.baseUrl}${path}`, { headers: this.headers({ accept: '*/*' }) });
    if (!res.ok) {
      const text = await res.text();
      let data: unknown = text;
      try {
        data = JSON.parse(text);
      } catch {
        // keep text
      }
      if (res.status === 401) this.setAuth({ required: true, reason: messageOf(data) ?? 'this service needs an API token', hasToken: !!this.token() });
      throw new ApiError(res.status, messageOf(data) ?? `GET ${path} answered ${res.status}`, data, 'GET', path);
    }
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  /** The WebSocket address for a path, with the token as `?token=` (browsers cannot set headers on the handshake). */
  wsUrl(path: string): string {
    const base = this.baseUrl || (typeof location === 'undefined' ? 'http://localhost' : location.origin);
    const url = new URL(path, base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const token = this.token();
    if (token) url.searchParams.set('token', token);
    return url.toString();
  }
}

function messageOf(data: unknown): string | undefined {
  if (data && typeof data === 'object' && typeof (data as { error?: unknown }).error === 'string') return (data as { error: string }).error;
  if (typeof data === 'string' && data.trim() && data.length < 300) return data.trim();
  return undefined;
}

export const api = new ApiClient();

/** A query-string from an object, leaving out empty values. */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

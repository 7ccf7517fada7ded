// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router-dom';
import { App } from '../app';
import { api, ApiClient, ApiError } from './api-client';

// Testing Library cleans up by itself only with vitest globals on; this config keeps them off.
afterEach(cleanup);

function memoryStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('ApiClient', () => {
  it('turns a 401 into the sign-in state, then sends the token it is given', async () => {
    const seen: Array<string | null> = [];
    const fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      const auth = new Headers(init?.headers).get('authorization');
      seen.push(auth);
      return auth === 'Bearer s3cret' ? json(200, { ok: true }) : json(401, { error: 'this API needs Authorization: Bearer <API_TOKEN>' });
    });
    const client = new ApiClient({ fetch: fetch as typeof globalThis.fetch, storage: memoryStorage() });
    const changes = vi.fn();
    client.onAuthChange(changes);

    const refused = await client.get('/api/tasks').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(401);
    expect(client.authState()).toEqual({ required: true, reason: 'this API needs Authorization: Bearer <API_TOKEN>', hasToken: false });
    expect(changes).toHaveBeenCalledTimes(1);

    client.setToken(' s3cret ');
    expect(client.authState().required).toBe(false);
    expect(await client.get('/api/tasks')).toEqual({ ok: true });
    expect(seen).toEqual([null, 'Bearer s3cret']);
    expect(client.wsUrl('/ws/dashboard-1')).toBe('ws://localhost:3000/ws/dashboard-1?token=s3cret');
  });

  it("shows the service's own error message, and names the field a 400 blames", async () => {
    const fetch = vi.fn(async () => json(400, { error: 'tools: unknown tool "Bsh"', field: 'tools' }));
    const client = new ApiClient({ fetch: fetch as typeof globalThis.fetch, storage: memoryStorage() });
    const err = (await client.put('/api/registry/agents/x', { content: '' }).catch((e: unknown) => e)) as ApiError;
    expect(err.message).toBe('tools: unknown tool "Bsh"');
    expect(err.field).toBe('tools');
    expect(client.authState().required).toBe(false);
  });

  it('says when the service cannot be reached instead of failing silently', async () => {
    const client = new ApiClient({ fetch: (async () => Promise.reject(new TypeError('Failed to fetch'))) as typeof globalThis.fetch, storage: memoryStorage() });
    await expect(client.get('/api/tasks')).rejects.toThrow('cannot reach the service (GET /api/tasks): Failed to fetch');
  });
});

class QuietSocket {
  static OPEN = 1;
  readonly OPEN = 1;
  readyState = 0;
  onopen: (() => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  static urls: string[] = [];
  constructor(url: string) {
    QuietSocket.urls.push(url);
  }
  send() {}
  close() {}
}

describe('the app with an API token set on the service', () => {
  const TOKEN = 'tok-123';
  beforeEach(() => {
    sessionStorage.clear();
    QuietSocket.urls = [];
    vi.stubGlobal('WebSocket', QuietSocket);
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
        const path = String(url);
        if (path.startsWith('/health')) return json(200, { status: 'ok', checks: { database: 'ok', queue: 'ok' } });
        if (new Headers(init?.headers).get('authorization') !== `Bearer ${TOKEN}`) return json(401, { error: 'this API needs Authorization: Bearer <API_TOKEN>' });
        if (path.startsWith('/api/dashboard/status'))
          return json(200, { status: 'ok', demo_mode: true, role: 'all', storage: 'sqlite', queue: 'embedded', queue_depth: 0, running: 0, queued: 0, waiting_approval: 0, max_concurrent_tasks: 5, worker_running: 0, workers_live: 1, cluster_running: 0, capacity: 5, global_max_concurrent_tasks: null, tasks_by_status: {}, tasks_today: 0, cost_today_usd: 0, uptime_seconds: 5 });
        if (path.startsWith('/api/tasks')) return json(200, { tasks: [], next_cursor: null });
        return json(404, { error: `no route GET ${path}` });
      }),
    );
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    api.signOut();
  });

  it('asks for the token on 401, keeps it in sessionStorage and uses it for the API and the socket', async () => {
    render(
      <MemoryRouter>
        <App />
      </MemoryRouter>,
    );
    const input = await screen.findByLabelText('API token');
    fireEvent.change(input, { target: { value: TOKEN } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByTestId('demo-banner')).toBeTruthy();
    expect(await screen.findByText(/No tasks yet/)).toBeTruthy();
    expect(sessionStorage.getItem('cca.api_token')).toBe(TOKEN);
    await waitFor(() => expect(QuietSocket.urls.some((u) => u.endsWith(`?token=${TOKEN}`) && /\/ws\/dashboard-[0-9a-f]{12}\?/.test(u))).toBe(true));
  });

  it('shows why a wrong token was refused', async () => {
    render(
      <MemoryRouter>
        <App />
      </MemoryRouter>,
    );
    fireEvent.change(await screen.findByLabelText('API token'), { target: { value: 'wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('this API needs Authorization: Bearer <API_TOKEN>')).toBeTruthy();
    expect(screen.getByLabelText('API token')).toBeTruthy();
  });
});

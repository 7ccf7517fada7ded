// @vitest-environment jsdom
import { QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router-dom';
import { createQueryClient } from '../../lib/query-client';
import { csvHref, initialLedgerState, ledgerQuery, ledgerReducer, ledgerSearch, type LedgerState } from './ledger-state';
import { LedgerPage } from './ledger-page';

// Testing Library cleans up by itself only with vitest globals on; this config keeps them off.
afterEach(cleanup);

const run = (state: LedgerState, ...actions: Parameters<typeof ledgerReducer>[1][]) => actions.reduce(ledgerReducer, state);
const params = (path: string) => new URL(path, 'http://x').searchParams;

describe('ledger state', () => {
  it('walks forward with the cursors it was given and back without asking for new ones', () => {
    let s = initialLedgerState();
    expect(params(ledgerQuery(s)).get('cursor')).toBeNull();
    s = run(s, { type: 'next', cursor: 'c1' }, { type: 'next', cursor: 'c2' });
    expect(s.page).toBe(2);
    expect(params(ledgerQuery(s)).get('cursor')).toBe('c2');
    s = run(s, { type: 'prev' });
    expect(params(ledgerQuery(s)).get('cursor')).toBe('c1');
    // Forward again from page 1 replaces whatever came after it.
    s = run(s, { type: 'next', cursor: 'c2b' });
    expect(s.cursors).toEqual([undefined, 'c1', 'c2b']);
    s = run(s, { type: 'first' });
    expect(params(ledgerQuery(s)).get('cursor')).toBeNull();
    // No next cursor: the last page stays the last page.
    expect(run(s, { type: 'next', cursor: null })).toBe(s);
  });

  it('starts from the first page when filters, sort or page size change', () => {
    const deep = run(initialLedgerState(), { type: 'next', cursor: 'c1' });
    for (const action of [{ type: 'filter', name: 'source', value: 'github' }, { type: 'sort', sort: 'cost_usd' }, { type: 'limit', limit: 100 }, { type: 'clear' }] as const) {
      const s = ledgerReducer(deep, action);
      expect(s.page).toBe(0);
      expect(s.cursors).toEqual([undefined]);
    }
  });

  it('flips the order on the same column and starts a new column newest/largest first', () => {
    let s = run(initialLedgerState(), { type: 'sort', sort: 'cost_usd' });
    expect([s.sort, s.order]).toEqual(['cost_usd', 'desc']);
    s = run(s, { type: 'sort', sort: 'cost_usd' });
    expect(s.order).toBe('asc');
    s = run(s, { type: 'sort', sort: 'duration_ms' });
    expect([s.sort, s.order]).toEqual(['duration_ms', 'desc']);
  });

  it('builds the API query, the CSV link and the page address from the same filters', () => {
    const s = run(
      initialLedgerState('status=failed&sort=cost_usd&order=asc'),
      { type: 'filter', name: 'agent', value: 'planning' },
      { type: 'filter', name: 'from', value: '2026-01-01' },
      { type: 'filter', name: 'to', value: '2026-01-31' },
      { type: 'next', cursor: 'abc' },
    );
    const q = params(ledgerQuery(s));
    expect(Object.fromEntries(q)).toEqual({ status: 'failed', agent: 'planning', from: '2026-01-01', to: '2026-02-01', sort: 'cost_usd', order: 'asc', limit: '50', cursor: 'abc' });
    const csv = params(csvHref(s));
    expect(csv.get('format')).toBe('csv');
    expect(csv.get('cursor')).toBeNull();
    expect(csv.get('agent')).toBe('planning');
    expect(ledgerSearch(s)).toBe('status=failed&agent=planning&from=2026-01-01&to=2026-01-31&sort=cost_usd&order=asc');
  });
});

describe('ledger page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('pages with next_cursor, comes back, and resets on a new filter', async () => {
    const row = (id: string) => ({ task_id: id, created_at: '2026-01-01T10:00:00.000Z', cost_usd: 0.01, input_tokens: 10, output_tokens: 5, model: 'sonnet', agent: null, source: 'dashboard', requester: null, status: 'completed', outcome: 'success', duration_ms: 1000 });
    const asked: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: RequestInfo | URL) => {
        const u = new URL(String(url), 'http://x');
        asked.push(u.search);
        const cursor = u.searchParams.get('cursor');
        const body = cursor === 'page2' ? { rows: [row('task_b')], next_cursor: null } : { rows: [row('task_a')], next_cursor: 'page2' };
        return new Response(JSON.stringify(body), { status: 200 });
      }),
    );
    render(
      <QueryClientProvider client={createQueryClient()}>
        <MemoryRouter initialEntries={['/ledger']}>
          <LedgerPage />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    expect(await screen.findByTitle('task_a')).toBeTruthy();
    expect(screen.getByText('Page 1')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByTitle('task_b')).toBeTruthy();
    expect(screen.getByText('Page 2')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Next' }) as HTMLButtonElement).disabled).toBe(true);
    expect(asked.at(-1)).toContain('cursor=page2');
    fireEvent.click(screen.getByRole('button', { name: 'Previous' }));
    expect(await screen.findByTitle('task_a')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByTitle('task_b');
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'failed' } });
    await waitFor(() => expect(asked.at(-1)).toBe('?status=failed&sort=created_at&order=desc&limit=50'));
    expect(await screen.findByText('Page 1')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toBe('/api/ledger?status=failed&sort=created_at&order=desc&format=csv');
  });
});

import { LEDGER_SORTS, type LedgerOrder, type LedgerSort } from '../../lib/contracts';

export type { LedgerOrder, LedgerSort };
export const LEDGER_FILTERS = ['status', 'outcome', 'source', 'agent', 'model', 'requester', 'from', 'to'] as const;
export type LedgerFilterName = (typeof LEDGER_FILTERS)[number];

export interface LedgerState {
  filters: Record<LedgerFilterName, string>;
  sort: LedgerSort;
  order: LedgerOrder;
  limit: number;
  /** cursors[i] fetches page i; page 0 needs none. Keyset cursors only go forward, so going back reuses them. */
  cursors: Array<string | undefined>;
  page: number;
}

export type LedgerAction =
  | { type: 'filter'; name: LedgerFilterName; value: string }
  | { type: 'sort'; sort: LedgerSort }
  | { type: 'limit'; limit: number }
  | { type: 'next'; cursor: string | null }
  | { type: 'prev' }
  | { type: 'first' }
  | { type: 'clear' };

const emptyFilters = (): Record<LedgerFilterName, string> => Object.fromEntries(LEDGER_FILTERS.map((f) => [f, ''])) as Record<LedgerFilterName, string>;

export function initialLedgerState(search = ''): LedgerState {
  const p = new URLSearchParams(search);
  const filters = emptyFilters();
  for (const f of LEDGER_FILTERS) filters[f] = p.get(f) ?? '';
  const sort = (LEDGER_SORTS as readonly string[]).includes(p.get('sort') ?? '') ? (p.get('sort') as LedgerSort) : 'created_at';
  const order = p.get('order') === 'asc' ? 'asc' : 'desc';
  const limit = [25, 50, 100, 200].includes(Number(p.get('limit'))) ? Number(p.get('limit')) : 50;
  return { filters, sort, order, limit, cursors: [undefined], page: 0 };
}

/** Any change to what is listed starts again at the first page: an old cursor belongs to the old listing. */
const restart = (s: LedgerState): LedgerState => ({ ...s, cursors: [undefined], page: 0 });

export function ledgerReducer(state: LedgerState, action: LedgerAction): LedgerState {
  switch (action.type) {
    case 'filter':
      if (state.filters[action.name] === action.value) return state;
      return restart({ ...state, filters: { ...state.filters, [action.name]: action.value } });
    case 'sort':
      // The same column again flips the order; a new column starts with the largest/newest first.
      return restart(action.sort === state.sort ? { ...state, order: state.order === 'desc' ? 'asc' : 'desc' } : { ...state, sort: action.sort, order: 'desc' });
    case 'limit':
      return restart({ ...state, limit: action.limit });
    case 'next': {
      if (!action.cursor) return state;
      const cursors = state.cursors.slice(0, state.page + 1);
      cursors.push(action.cursor);
      return { ...state, cursors, page: state.page + 1 };
    }
    case 'prev':
      return state.page === 0 ? state : { ...state, page: state.page - 1 };
    case 'first':
      return state.page === 0 ? state : { ...state, page: 0 };
    case 'clear':
      return restart({ ...state, filters: emptyFilters() });
  }
}

/** Date-only filters are whole UTC days: `to` includes its day, so the API (to exclusive) gets the next midnight. */
function apiTime(name: 'from' | 'to', value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  if (name === 'from') return value;
  const next = new Date(`${value}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

function filterParams(state: LedgerState): URLSearchParams {
  const p = new URLSearchParams();
  for (const f of LEDGER_FILTERS) {
    const v = state.filters[f].trim();
    if (v) p.set(f, f === 'from' || f === 'to' ? apiTime(f, v) : v);
  }
  p.set('sort', state.sort);
  p.set('order', state.order);
  return p;
}

/** The query for the current page. */
export function ledgerQuery(state: LedgerState): string {
  const p = filterParams(state);
  p.set('limit', String(state.limit));
  const cursor = state.cursors[state.page];
  if (cursor) p.set('cursor', cursor);
  return `/api/ledger?${p}`;
}

/** Every row that matches, as CSV: same filters and sort, no page. */
export function csvHref(state: LedgerState): string {
  const p = filterParams(state);
  p.set('format', 'csv');
  return `/api/ledger?${p}`;
}

/** What goes in the page's address so a view can be shared: filters and sort, not the page. */
export function ledgerSearch(state: LedgerState): string {
  const p = new URLSearchParams();
  for (const f of LEDGER_FILTERS) if (state.filters[f].trim()) p.set(f, state.filters[f].trim());
  if (state.sort !== 'created_at') p.set('sort', state.sort);
  if (state.order !== 'desc') p.set('order', state.order);
  if (state.limit !== 50) p.set('limit', String(state.limit));
  return p.toString();
}

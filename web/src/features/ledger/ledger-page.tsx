import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useReducer, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, errorMessage } from '../../lib/api-client';
import { type LedgerPage as Page, OUTCOMES as OUTCOME_LABELS, TASK_STATUSES } from '../../lib/contracts';
import { compact, durations, fullTime, usd, wallMs } from '../../lib/format';
import { Button, Card, cx, Empty, ErrorBox, Field, Input, Loading, PageHeader, Select, StatusBadge } from '../../components/ui';
import { csvHref, initialLedgerState, ledgerQuery, ledgerReducer, ledgerSearch, type LedgerFilterName, type LedgerSort, type LedgerState } from './ledger-state';

// '' is "any" in the filters' pickers.
const STATUSES = ['', ...TASK_STATUSES];
const OUTCOMES = ['', ...OUTCOME_LABELS];

function TextFilter({ name, label, state, dispatch }: { name: LedgerFilterName; label: string; state: LedgerState; dispatch: (a: { type: 'filter'; name: LedgerFilterName; value: string }) => void }) {
  // Typing is kept locally; the listing changes when the field is left or Enter is pressed.
  const [value, setValue] = useState(state.filters[name]);
  useEffect(() => setValue(state.filters[name]), [state.filters, name]);
  const apply = () => dispatch({ type: 'filter', name, value });
  return (
    <div className="w-36">
      <Field label={label}>
        {(id) => <Input id={id} value={value} onChange={(e) => setValue(e.target.value)} onBlur={apply} onKeyDown={(e) => e.key === 'Enter' && apply()} placeholder="any" />}
      </Field>
    </div>
  );
}

function ChoiceFilter({ name, label, width, choices, value, onChange }: { name: LedgerFilterName; label: string; width: string; choices: readonly string[]; value: string; onChange: (name: LedgerFilterName, value: string) => void }) {
  return (
    <div className={width}>
      <Field label={label}>
        {(id) => (
          <Select id={id} value={value} onChange={(e) => onChange(name, e.target.value)}>
            {choices.map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </Select>
        )}
      </Field>
    </div>
  );
}

function SortHeader({ label, sort, state, onSort }: { label: string; sort: LedgerSort; state: LedgerState; onSort: (s: LedgerSort) => void }) {
  const active = state.sort === sort;
  return (
    <th className="pb-1.5 pr-3 font-medium" aria-sort={active ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className={cx('inline-flex items-center gap-1 hover:text-stone-900', active && 'text-stone-900')} onClick={() => onSort(sort)}>
        {label}
        <span aria-hidden>{active ? (state.order === 'asc' ? '▲' : '▼') : '↕'}</span>
      </button>
    </th>
  );
}

export function LedgerPage() {
  const [search, setSearch] = useSearchParams();
  const [state, dispatch] = useReducer(ledgerReducer, search.toString(), initialLedgerState);
  const [csvError, setCsvError] = useState<unknown>(null);
  useEffect(() => {
    const next = ledgerSearch(state);
    if (next !== search.toString()) setSearch(next, { replace: true });
  }, [state, search, setSearch]);
  const path = ledgerQuery(state);
  const query = useQuery({ queryKey: ['ledger', path], queryFn: () => api.get<Page>(path), placeholderData: keepPreviousData });
  const rows = query.data?.rows ?? [];
  const csv = csvHref(state);
  const filter = (name: LedgerFilterName, value: string) => dispatch({ type: 'filter', name, value });
  return (
    <>
      <PageHeader title="Ledger">
        <a
          href={csv}
          download="ledger.csv"
          className="rounded-md border border-stone-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-stone-100"
          onClick={(e) => {
            // A plain link cannot carry the API token; with one set, fetch the file with it instead.
            if (!api.token()) return;
            e.preventDefault();
            setCsvError(null);
            api.download(csv, 'ledger.csv').catch(setCsvError);
          }}
        >
          Export CSV
        </a>
      </PageHeader>
      {csvError !== null && <ErrorBox className="mb-3" error={new Error(`CSV export failed: ${errorMessage(csvError)}`)} />}
      <Card>
        <form className="mb-4 flex flex-wrap items-end gap-2" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
          <ChoiceFilter name="status" label="Status" width="w-36" choices={STATUSES} value={state.filters.status} onChange={filter} />
          <ChoiceFilter name="outcome" label="Outcome" width="w-32" choices={OUTCOMES} value={state.filters.outcome} onChange={filter} />
          <TextFilter name="source" label="Source" state={state} dispatch={dispatch} />
          <TextFilter name="agent" label="Agent" state={state} dispatch={dispatch} />
          <TextFilter name="model" label="Model" state={state} dispatch={dispatch} />
          <TextFilter name="requester" label="Requester" state={state} dispatch={dispatch} />
          <div className="w-36">
            <Field label="From (UTC)">{(id) => <Input id={id} type="date" value={state.filters.from} onChange={(e) => filter('from', e.target.value)} />}</Field>
          </div>
          <div className="w-36">
            <Field label="To (UTC)">{(id) => <Input id={id} type="date" value={state.filters.to} onChange={(e) => filter('to', e.target.value)} />}</Field>
          </div>
          <Button onClick={() => dispatch({ type: 'clear' })}>Clear</Button>
        </form>
        {query.isPending && <Loading label="Loading the ledger…" />}
        <ErrorBox error={query.error} retry={() => void query.refetch()} />
        {query.isSuccess && rows.length === 0 && <Empty>No tasks match these filters.</Empty>}
        {rows.length > 0 && (
          <div className={cx('overflow-x-auto', query.isPlaceholderData && 'opacity-60')}>
            <table className="w-full min-w-[56rem] text-sm" aria-label="Ledger">
              <thead>
                <tr className="text-left text-xs text-stone-500">
                  <SortHeader label="Created" sort="created_at" state={state} onSort={(sort) => dispatch({ type: 'sort', sort })} />
                  <th className="pb-1.5 pr-3 font-medium">Status</th>
                  <th className="pb-1.5 pr-3 font-medium">Source</th>
                  <th className="pb-1.5 pr-3 font-medium">Agent</th>
                  <th className="pb-1.5 pr-3 font-medium">Model</th>
                  <th className="pb-1.5 pr-3 font-medium">Requester</th>
                  <SortHeader label="Cost" sort="cost_usd" state={state} onSort={(sort) => dispatch({ type: 'sort', sort })} />
                  <th className="pb-1.5 pr-3 font-medium">Tokens in / out</th>
                  <SortHeader label="Duration" sort="duration_ms" state={state} onSort={(sort) => dispatch({ type: 'sort', sort })} />
                </tr>
              </thead>
              <tbody className="divide-y divide-stone-100 tabular-nums">
                {rows.map((r) => (
                  <tr key={r.task_id} data-task-id={r.task_id} className="hover:bg-stone-50">
                    <td className="py-1.5 pr-3 whitespace-nowrap">
                      <Link className="text-orange-800 underline-offset-2 hover:underline" to={`/tasks/${r.task_id}`} title={r.task_id}>
                        {fullTime(r.created_at)}
                      </Link>
                    </td>
                    <td className="py-1.5 pr-3">
                      <StatusBadge status={r.status} outcome={r.outcome} />
                      {r.outcome && r.outcome !== 'success' && r.outcome !== 'budget' && r.outcome !== r.status && <span className="ml-1 text-xs text-stone-500">{r.outcome}</span>}
                    </td>
                    <td className="py-1.5 pr-3">{r.source}</td>
                    <td className="py-1.5 pr-3">{r.agent ?? '—'}</td>
                    <td className="max-w-40 truncate py-1.5 pr-3" title={r.model ?? ''}>
                      {r.model ?? '—'}
                    </td>
                    <td className="max-w-40 truncate py-1.5 pr-3" title={r.requester ?? ''}>
                      {r.requester ?? '—'}
                    </td>
                    <td className="py-1.5 pr-3">{usd(r.cost_usd)}</td>
                    <td className="py-1.5 pr-3">
                      {compact(r.input_tokens + (r.cache_read_tokens ?? 0) + (r.cache_creation_tokens ?? 0))} / {compact(r.output_tokens)}
                    </td>
                    <td className="whitespace-nowrap py-1.5 pr-3">{durations(wallMs(r.started_at, r.completed_at), r.duration_ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav aria-label="Pages" className="mt-3 flex flex-wrap items-center gap-2">
          <Button size="sm" onClick={() => dispatch({ type: 'first' })} disabled={state.page === 0}>
            First
          </Button>
          <Button size="sm" onClick={() => dispatch({ type: 'prev' })} disabled={state.page === 0}>
            Previous
          </Button>
          <span className="text-xs text-stone-600">Page {state.page + 1}</span>
          <Button size="sm" onClick={() => dispatch({ type: 'next', cursor: query.data?.next_cursor ?? null })} disabled={!query.data?.next_cursor || query.isPlaceholderData}>
            Next
          </Button>
          <label className="ml-auto flex items-center gap-1 text-xs text-stone-600">
            Rows
            <Select className="w-20" value={state.limit} onChange={(e) => dispatch({ type: 'limit', limit: Number(e.target.value) })}>
              {[25, 50, 100, 200].map((n) => (
                <option key={n}>{n}</option>
              ))}
            </Select>
          </label>
        </nav>
      </Card>
    </>
  );
}

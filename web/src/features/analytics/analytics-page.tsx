import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, qs } from '../../lib/api-client';
import type { AgentsResponse, AnalyticsSummary, CostsResponse } from '../../lib/contracts';
import { compact, duration, int, percent, usd } from '../../lib/format';
import { Card, Empty, ErrorBox, Field, Input, Loading, PageHeader, Select, Stat } from '../../components/ui';
import { BudgetsCard } from './budgets';
import { PullRequestsCard } from './pull-requests';
import { type Granularity, isoDate, type Range, rangeQuery } from './range';
import { colorFor, limitSeries, type Metric, METRICS, type Series, toRows } from './series';

const GROUPS = ['agent', 'model', 'source', 'requester'] as const;
const TOP = 8;

function SummaryCards() {
  const q = useQuery({ queryKey: ['analytics', 'summary'], queryFn: () => api.get<AnalyticsSummary>('/api/analytics/summary'), refetchInterval: 30_000 });
  if (q.isPending) return <Loading label="Loading the summary…" />;
  if (q.error) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  const s = q.data;
  return (
    <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
      <Stat label="Cost today" value={usd(s.today.cost_usd)} sub={`${int(s.today.tasks)} tasks`} />
      <Stat label="Cost, all time" value={usd(s.total.cost_usd)} sub={`${int(s.total.tasks)} tasks`} />
      <Stat label="Success rate" value={percent(s.success_rate)} tone={s.success_rate !== null && s.success_rate < 0.8 ? 'warn' : undefined} />
      <Stat label="Running" value={s.running} />
      <Stat label="Queued" value={s.queued} />
      <Stat label="Waiting approval" value={s.waiting_approval} tone={s.waiting_approval > 0 ? 'warn' : undefined} />
    </div>
  );
}

function tickTime(t: string, granularity: Granularity): string {
  const d = new Date(t);
  return granularity === 'hour' ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

function formatValue(metric: Metric, v: number): string {
  if (metric === 'cost_usd') return usd(v);
  if (metric === 'mean_duration_ms' || metric === 'p95_duration_ms') return duration(v * 1000);
  return compact(v);
}

/** Axis ticks need enough digits to tell small amounts apart ($0.00012 vs $0.00015). */
function formatAxis(metric: Metric, v: number): string {
  if (metric === 'cost_usd') return v === 0 ? '$0' : v < 0.01 ? `$${Number(v.toPrecision(2))}` : usd(v, 2);
  return formatValue(metric, v);
}

function CostChart({ series, metric, granularity }: { series: Series[]; metric: Metric; granularity: Granularity }) {
  const limited = useMemo(() => limitSeries(series, metric, TOP), [series, metric]);
  const rows = useMemo(() => toRows(limited.series, metric), [limited, metric]);
  if (rows.length === 0) return <Empty>No tasks in this range.</Empty>;
  const additive = METRICS[metric].additive;
  const common = (
    <>
      <CartesianGrid strokeDasharray="3 3" stroke="#e7e5e4" />
      <XAxis dataKey="t" tickFormatter={(t: string) => tickTime(t, granularity)} tick={{ fontSize: 11 }} minTickGap={24} />
      <YAxis tickFormatter={(v: number) => formatAxis(metric, v)} tick={{ fontSize: 11 }} width={64} />
      <Tooltip
        labelFormatter={(t) => new Date(String(t)).toLocaleString()}
        formatter={(v, name) => [formatValue(metric, Number(v)), String(name)]}
        itemSorter={(item) => -Number(item.value ?? 0)}
        contentStyle={{ fontSize: 12 }}
      />
      <Legend wrapperStyle={{ fontSize: 12 }} />
    </>
  );
  return (
    <div>
      <div className="h-72 w-full" data-testid="cost-chart">
        <ResponsiveContainer width="100%" height="100%">
          {additive ? (
            <BarChart data={rows} maxBarSize={48}>
              {common}
              {limited.series.map((s, i) => (
                <Bar key={s.key} dataKey={s.key} stackId="1" fill={colorFor(s.key, i)} isAnimationActive={false} />
              ))}
            </BarChart>
          ) : (
            <LineChart data={rows}>
              {common}
              {limited.series.map((s, i) => (
                <Line key={s.key} type="monotone" dataKey={s.key} stroke={colorFor(s.key, i)} dot={false} connectNulls isAnimationActive={false} />
              ))}
            </LineChart>
          )}
        </ResponsiveContainer>
      </div>
      {limited.dropped > 0 && <p className="mt-1 text-xs text-stone-500">Showing the {TOP} largest; {limited.dropped} smaller series hidden (durations do not add up into an “other”).</p>}
    </div>
  );
}

function AgentsTable() {
  const q = useQuery({ queryKey: ['analytics', 'agents'], queryFn: () => api.get<AgentsResponse>('/api/analytics/agents') });
  if (q.isPending) return <Loading label="Loading agents…" />;
  if (q.error) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  if (q.data.agents.length === 0) return <Empty>No runs yet.</Empty>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-sm">
        <thead>
          <tr className="text-left text-xs text-stone-500">
            {['Agent', 'Runs', 'Success', 'Cost', 'Tokens in / out', 'Mean duration'].map((h) => (
              <th key={h} className="pb-1 pr-3 font-medium">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-stone-100 tabular-nums">
          {q.data.agents.map((a) => (
            <tr key={a.agent ?? '(default)'}>
              <td className="py-1.5 pr-3 font-medium">{a.agent ?? '(default)'}</td>
              <td className="py-1.5 pr-3">{int(a.runs)}</td>
              <td className="py-1.5 pr-3">{percent(a.success_rate)}</td>
              <td className="py-1.5 pr-3">{usd(a.cost_usd)}</td>
              <td className="py-1.5 pr-3">
                {compact(a.input_tokens)} / {compact(a.output_tokens)}
              </td>
              <td className="py-1.5 pr-3">{duration(a.mean_duration_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AnalyticsPage() {
  const [range, setRange] = useState<Range>({ preset: '7d', fromDate: isoDate(Date.now() - 6 * 86_400_000), toDate: isoDate(Date.now()) });
  const [groupBy, setGroupBy] = useState<string>('agent');
  const [metric, setMetric] = useState<Metric>('cost_usd');
  const [granularity, setGranularity] = useState<Granularity | ''>('');
  const rq = rangeQuery(range);
  const gran = granularity || rq.granularity;
  const costs = useQuery({
    queryKey: ['analytics', 'costs', rq.from, rq.to, gran, groupBy],
    queryFn: async () => {
      const body = await api.get<CostsResponse>(`/api/analytics/costs${qs({ from: rq.from, to: rq.to, granularity: gran, group_by: groupBy || undefined, top: 20 })}`);
      // A null key is tasks without a value there (no agent named: the default agent).
      return { series: body.series.map((s) => ({ ...s, key: s.key ?? (groupBy === 'agent' ? '(default)' : '(none)') })) };
    },
    placeholderData: (prev) => prev,
  });
  return (
    <>
      <PageHeader title="Analytics" />
      <SummaryCards />
      <div className="mt-5 grid grid-cols-1 gap-4">
        <Card
          title="Over time"
          actions={
            <div className="flex flex-wrap items-end gap-2">
              <div className="w-36">
                <Field label="Range">
                  {(id) => (
                    <Select id={id} value={range.preset} onChange={(e) => setRange({ ...range, preset: e.target.value as Range['preset'] })}>
                      <option value="24h">Last 24 h</option>
                      <option value="7d">Last 7 days</option>
                      <option value="30d">Last 30 days</option>
                      <option value="90d">Last 90 days</option>
                      <option value="custom">Dates…</option>
                    </Select>
                  )}
                </Field>
              </div>
              {range.preset === 'custom' && (
                <>
                  <div className="w-36">
                    <Field label="From (UTC)">{(id) => <Input id={id} type="date" value={range.fromDate} max={range.toDate} onChange={(e) => setRange({ ...range, fromDate: e.target.value })} />}</Field>
                  </div>
                  <div className="w-36">
                    <Field label="To (UTC)">{(id) => <Input id={id} type="date" value={range.toDate} min={range.fromDate} onChange={(e) => setRange({ ...range, toDate: e.target.value })} />}</Field>
                  </div>
                </>
              )}
              <div className="w-24">
                <Field label="Step">
                  {(id) => (
                    <Select id={id} value={granularity} onChange={(e) => setGranularity(e.target.value as Granularity | '')}>
                      <option value="">auto</option>
                      <option value="hour">hour</option>
                      <option value="day">day</option>
                    </Select>
                  )}
                </Field>
              </div>
              <div className="w-28">
                <Field label="By">
                  {(id) => (
                    <Select id={id} value={groupBy} onChange={(e) => setGroupBy(e.target.value)}>
                      <option value="">total</option>
                      {GROUPS.map((g) => (
                        <option key={g}>{g}</option>
                      ))}
                    </Select>
                  )}
                </Field>
              </div>
              <div className="w-40">
                <Field label="Show">
                  {(id) => (
                    <Select id={id} value={metric} onChange={(e) => setMetric(e.target.value as Metric)}>
                      {Object.entries(METRICS).map(([k, m]) => (
                        <option key={k} value={k}>
                          {m.label}
                        </option>
                      ))}
                    </Select>
                  )}
                </Field>
              </div>
            </div>
          }
        >
          {costs.isPending && <Loading label="Loading costs…" />}
          <ErrorBox error={costs.error} retry={() => void costs.refetch()} />
          {costs.data && <CostChart series={costs.data.series} metric={metric} granularity={gran} />}
        </Card>
        <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
          <Card title="By agent">
            <AgentsTable />
          </Card>
          <BudgetsCard />
          <PullRequestsCard />
        </div>
      </div>
    </>
  );
}

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, qs } from '../../lib/api-client';
import type { AgentsResponse, AnalyticsSummary, CostsResponse } from '../../lib/contracts';
import { compact, duration, int, percent, plural, usd } from '../../lib/format';
import { Card, Empty, ErrorBox, Field, Input, Loading, PageHeader, Select, Stat } from '../../components/ui';
import { BudgetsCard } from './budgets';
import { PullRequestsCard } from './pull-requests';
import { type Granularity, isoDate, type Range, rangeQuery } from './range';
import { type Metric, METRICS } from './series';
import { StatTable } from './stat-table';
import { TrendChart } from './trend-chart';

const GROUPS = ['agent', 'model', 'source', 'requester'] as const;

function SummaryCards() {
  const q = useQuery({ queryKey: ['analytics', 'summary'], queryFn: () => api.get<AnalyticsSummary>('/api/analytics/summary'), refetchInterval: 30_000 });
  if (q.isPending) return <Loading label="Loading the summary…" />;
  if (q.error) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  const s = q.data;
  return (
    <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
      <Stat label="Cost today" value={usd(s.today.cost_usd)} sub={`${plural(s.today.tasks, 'task')} (UTC day)`} />
      <Stat label="Cost, all time" value={usd(s.total.cost_usd)} sub={plural(s.total.tasks, 'task')} />
      <Stat
        label="Success rate"
        value={percent(s.success_rate)}
        tone={s.success_rate !== null && s.success_rate < 0.8 ? 'warn' : undefined}
        sub={s.total.budget_refused > 0 ? `of tasks that ran; ${plural(s.total.budget_refused, 'budget refusal')} not counted` : 'of finished tasks'}
      />
      <Stat label="Running" value={s.running} />
      <Stat label="Queued" value={s.queued} />
      <Stat label="Waiting approval" value={s.waiting_approval} tone={s.waiting_approval > 0 ? 'warn' : undefined} />
    </div>
  );
}

function AgentsTable() {
  const q = useQuery({ queryKey: ['analytics', 'agents'], queryFn: () => api.get<AgentsResponse>('/api/analytics/agents') });
  if (q.isPending) return <Loading label="Loading agents…" />;
  if (q.error) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  if (q.data.agents.length === 0) return <Empty>No runs yet.</Empty>;
  return (
    <StatTable headings={['Agent', 'Runs', 'Success', 'Cost', 'Tokens in / out', 'Mean duration']}>
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
    </StatTable>
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
          {costs.data && <TrendChart series={costs.data.series} metric={metric} granularity={gran} />}
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

import { useMemo, type ReactElement } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { compact, duration, fullTime, TIME_ZONE, usd } from '../../lib/format';
import { Empty } from '../../components/ui';
import type { Granularity } from './range';
import { colorFor, limitSeries, type Metric, METRICS, needsDots, type Series, toRows } from './series';

const TOP = 8;

/** Buckets are UTC hours and days (the service's rollups): the axis reads them in UTC too. */
function tickTime(t: string, granularity: Granularity): string {
  const opts: Intl.DateTimeFormatOptions = granularity === 'hour' ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : { month: 'short', day: 'numeric' };
  return new Date(t).toLocaleString('en-GB', { ...opts, timeZone: TIME_ZONE });
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

/**
 * A metric over time, one series per key (the largest TOP kept): stacked bars for sums, lines for durations. `size`
 * fixes the chart's size instead of filling its box (for tests, where nothing has a layout).
 */
export function TrendChart({ series, metric, granularity, size }: { series: Series[]; metric: Metric; granularity: Granularity; size?: { width: number; height: number } }) {
  const limited = useMemo(() => limitSeries(series, metric, TOP), [series, metric]);
  const rows = useMemo(() => toRows(limited.series, metric), [limited, metric]);
  if (rows.length === 0) return <Empty>No tasks in this range.</Empty>;
  const common = (
    <>
      <CartesianGrid strokeDasharray="3 3" stroke="#e7e5e4" />
      <XAxis dataKey="t" tickFormatter={(t: string) => tickTime(t, granularity)} tick={{ fontSize: 11 }} minTickGap={24} />
      <YAxis tickFormatter={(v: number) => formatAxis(metric, v)} tick={{ fontSize: 11 }} width={64} />
      <Tooltip
        labelFormatter={(t) => fullTime(String(t))}
        formatter={(v, name) => [formatValue(metric, Number(v)), String(name)]}
        itemSorter={(item) => -Number(item.value ?? 0)}
        contentStyle={{ fontSize: 12 }}
      />
      <Legend wrapperStyle={{ fontSize: 12 }} />
    </>
  );
  const chart: ReactElement = METRICS[metric].additive ? (
    <BarChart data={rows} maxBarSize={48} {...size}>
      {common}
      {limited.series.map((s, i) => (
        <Bar key={s.key} dataKey={s.key} stackId="1" fill={colorFor(s.key, i)} isAnimationActive={false} />
      ))}
    </BarChart>
  ) : (
    <LineChart data={rows} {...size}>
      {common}
      {limited.series.map((s, i) => (
        <Line key={s.key} type="monotone" dataKey={s.key} stroke={colorFor(s.key, i)} dot={needsDots(rows, s.key)} connectNulls isAnimationActive={false} />
      ))}
    </LineChart>
  );
  return (
    <div>
      <div className="h-72 w-full" data-testid="cost-chart">
        {size ? chart : <ResponsiveContainer width="100%" height="100%">{chart}</ResponsiveContainer>}
      </div>
      <p className="mt-1 text-xs text-stone-500">
        {granularity === 'hour' ? 'Hours' : 'Days'} in {TIME_ZONE}.
        {limited.dropped > 0 && ` Showing the ${TOP} largest; ${limited.dropped} smaller series hidden (durations do not add up into an “other”).`}
      </p>
    </div>
  );
}

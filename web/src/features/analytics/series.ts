import type { CostPoint, CostSeries } from '../../lib/contracts';

export type Point = CostPoint;

/** A cost series as charted: the API's, with a null key given a name. */
export type Series = Omit<CostSeries, 'key'> & { key: string };

export const METRICS = {
  cost_usd: { label: 'Cost (USD)', additive: true, value: (p: Point) => p.cost_usd },
  tokens: { label: 'Tokens (in + out)', additive: true, value: (p: Point) => p.input_tokens + p.output_tokens + p.cache_read_tokens + p.cache_creation_tokens },
  output_tokens: { label: 'Output tokens', additive: true, value: (p: Point) => p.output_tokens },
  tasks: { label: 'Tasks', additive: true, value: (p: Point) => p.tasks },
  errors: { label: 'Errors', additive: true, value: (p: Point) => p.errors },
  mean_duration_ms: { label: 'Mean duration (s)', additive: false, value: (p: Point) => (p.mean_duration_ms === null ? null : p.mean_duration_ms / 1000) },
  p95_duration_ms: { label: 'p95 duration (s)', additive: false, value: (p: Point) => (p.p95_duration_ms === null ? null : p.p95_duration_ms / 1000) },
} as const satisfies Record<string, { label: string; additive: boolean; value: (p: Point) => number | null }>;
export type Metric = keyof typeof METRICS;

export const OTHER = '(other)';

const total = (s: Series, metric: Metric) => s.points.reduce((sum, p) => sum + (METRICS[metric].value(p) ?? 0), 0);

/**
 * Keeps a chart readable with many series: the `top` largest by the metric stay, the rest are summed into one
 * "(other)" series (merged with an "(other)" the server already made). Durations do not add up, so for them the
 * rest is dropped instead, and `dropped` says how many.
 */
export function limitSeries(series: readonly Series[], metric: Metric, top: number): { series: Series[]; dropped: number } {
  const named = series.filter((s) => s.key !== OTHER);
  const serverOther = series.find((s) => s.key === OTHER);
  if (named.length <= top) return { series: [...series], dropped: 0 };
  const ranked = [...named].sort((a, b) => total(b, metric) - total(a, metric));
  const kept = ranked.slice(0, top);
  const rest = ranked.slice(top);
  if (!METRICS[metric].additive) return { series: kept, dropped: rest.length + (serverOther ? 1 : 0) };
  const byTime = new Map<string, Point>();
  for (const s of serverOther ? [...rest, serverOther] : rest) {
    for (const p of s.points) {
      const acc = byTime.get(p.t);
      if (!acc) byTime.set(p.t, { ...p, mean_duration_ms: null, p95_duration_ms: null });
      else {
        acc.cost_usd += p.cost_usd;
        acc.tasks += p.tasks;
        acc.input_tokens += p.input_tokens;
        acc.output_tokens += p.output_tokens;
        acc.cache_read_tokens += p.cache_read_tokens;
        acc.cache_creation_tokens += p.cache_creation_tokens;
        acc.errors += p.errors;
      }
    }
  }
  const other: Series = { key: OTHER, points: [...byTime.values()].sort((a, b) => a.t.localeCompare(b.t)) };
  return { series: [...kept, other], dropped: 0 };
}

/** Recharts wants one row per time with a column per series; missing points are 0 for sums, gaps for durations. */
export function toRows(series: readonly Series[], metric: Metric): Array<Record<string, number | string | null>> {
  const times = new Set<string>();
  for (const s of series) for (const p of s.points) times.add(p.t);
  const sorted = [...times].sort();
  const lookup = series.map((s) => new Map(s.points.map((p) => [p.t, p])));
  return sorted.map((t) => {
    const row: Record<string, number | string | null> = { t };
    series.forEach((s, i) => {
      const p = lookup[i]!.get(t);
      row[s.key] = p ? METRICS[metric].value(p) : METRICS[metric].additive ? 0 : null;
    });
    return row;
  });
}

/**
 * Whether a line must draw its points as dots: a series with a single value draws no line at all (a line needs two
 * points; gaps are joined), so without dots a range with one non-empty bucket looks empty.
 */
export function needsDots(rows: ReadonlyArray<Record<string, number | string | null>>, key: string): boolean {
  return rows.filter((r) => r[key] !== null && r[key] !== undefined).length < 2;
}

/** A palette whose neighbours differ in hue and lightness; "(other)" is always grey. */
const PALETTE = ['#c2410c', '#2563eb', '#059669', '#9333ea', '#ca8a04', '#db2777', '#0891b2', '#65a30d', '#7c3aed', '#dc2626', '#0d9488', '#4f46e5'];
export function colorFor(key: string, index: number): string {
  return key === OTHER ? '#a8a29e' : PALETTE[index % PALETTE.length]!;
}

// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CostPoint } from '../../lib/contracts';
import { needsDots, type Series, toRows } from './series';
import { TrendChart } from './trend-chart';

afterEach(cleanup);

const point = (t: string, mean: number | null): CostPoint => ({
  t,
  tasks: 1,
  successes: 1,
  errors: 0,
  cost_usd: 0.0042,
  input_tokens: 10,
  output_tokens: 5,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
  mean_duration_ms: mean,
  p95_duration_ms: mean,
});

describe('charts draw what they have', () => {
  it('a line with one non-empty bucket among empty ones is drawn as a dot', () => {
    // The API's empty buckets have no mean duration: the line's one value would be a zero-length path, invisible.
    const series: Series[] = [{ key: 'planner', points: [point('2026-11-23T00:00:00.000Z', null), point('2026-11-24T00:00:00.000Z', 4200), point('2026-11-25T00:00:00.000Z', null)] }];
    const rows = toRows(series, 'mean_duration_ms');
    expect(needsDots(rows, 'planner')).toBe(true);
    const { container } = render(<TrendChart series={series} metric="mean_duration_ms" granularity="day" size={{ width: 600, height: 300 }} />);
    expect(container.querySelectorAll('.recharts-line-dot, .recharts-dot').length).toBe(1);
  });

  it('a line with two points or more is a line, without dots', () => {
    const series: Series[] = [{ key: 'planner', points: [point('2026-11-24T00:00:00.000Z', 4200), point('2026-11-25T00:00:00.000Z', 3100)] }];
    expect(needsDots(toRows(series, 'mean_duration_ms'), 'planner')).toBe(false);
    const { container } = render(<TrendChart series={series} metric="mean_duration_ms" granularity="day" size={{ width: 600, height: 300 }} />);
    expect(container.querySelector('.recharts-line-curve')?.getAttribute('d')).toMatch(/^M/);
    expect(container.querySelectorAll('.recharts-line-dot, .recharts-dot').length).toBe(0);
  });

  it('says which time zone its buckets are in', () => {
    const series: Series[] = [{ key: 'planner', points: [point('2026-11-24T00:00:00.000Z', 4200)] }];
    const { container } = render(<TrendChart series={series} metric="cost_usd" granularity="day" size={{ width: 600, height: 300 }} />);
    expect(container.textContent).toContain('UTC');
  });
});

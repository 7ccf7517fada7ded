import { describe, expect, it } from 'vitest';
import { binOf, binRange, DURATION_BIN_COLUMNS, DURATION_BOUNDS_MS, quantileFromBins } from './duration-histogram.js';

function histogram(durations: number[]): { counts: number[]; max: number } {
  const counts = DURATION_BIN_COLUMNS.map(() => 0);
  for (const d of durations) counts[binOf(d)]! += 1;
  return { counts, max: Math.max(...durations) };
}

function exactQuantile(durations: number[], q: number): number {
  const sorted = [...durations].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('duration histogram', () => {
  it('puts a duration in the bin whose upper bound is the first at or above it', () => {
    expect(binOf(0)).toBe(0);
    expect(binOf(1000)).toBe(0);
    expect(binOf(1001)).toBe(1);
    expect(binOf(7_200_000)).toBe(DURATION_BOUNDS_MS.length - 1);
    expect(binOf(7_200_001)).toBe(DURATION_BOUNDS_MS.length);
    expect(binRange(1)).toEqual([1000, 2000]);
    expect(binRange(DURATION_BOUNDS_MS.length)[1]).toBe(Infinity);
  });

  it('estimates a quantile inside the bin of the exact one, never above the maximum', () => {
    const durations = Array.from({ length: 1000 }, (_, i) => 500 + ((i * 7919) % 1000) * 400); // 0.5 s … 400 s
    const { counts, max } = histogram(durations);
    for (const q of [0.5, 0.9, 0.95, 0.99, 1]) {
      const exact = exactQuantile(durations, q);
      const [lower, upper] = binRange(binOf(exact));
      const estimate = quantileFromBins(counts, q, max)!;
      expect(estimate).toBeGreaterThanOrEqual(lower);
      expect(estimate).toBeLessThanOrEqual(Math.min(upper, max));
    }
    expect(quantileFromBins(counts, 1, max)).toBe(max);
  });

  it('closes the open-ended bin with the maximum and has nothing to say about no data', () => {
    const { counts, max } = histogram([9_000_000, 9_500_000]);
    expect(quantileFromBins(counts, 0.95, max)).toBe(9_500_000);
    expect(quantileFromBins(DURATION_BIN_COLUMNS.map(() => 0), 0.95, null)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { type Figures, readPackedRows } from './packed-rollups.js';

const rows = (text: string | null) => {
  const out: Array<[number, number, Figures]> = [];
  // One figures object is filled anew for each row: kept as copies.
  readPackedRows(text, (bucket, key, figures) => out.push([bucket, key, { ...figures, bins: [...figures.bins] }]));
  return out;
};
const bins = (from: number) => Array.from({ length: 24 }, (_, i) => from + i);
const line = (bucket: string, key: string, cost: string, ints: string[]) => [bucket, key, cost, ...ints].join(',');
const ints = (first: string) => [first, '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', ...bins(100).map(String)];

describe('readPackedRows', () => {
  it('reads each row, the cost and any non-integer text as Number reads it', () => {
    const text = [line('1700000000000', '-1', '0.30000000000000004', ints('1')), line('3600000', '2', '2.0', ints('1.5e+3'))].join(';');
    const [a, b] = rows(text);
    expect(a).toEqual([1_700_000_000_000, -1, expect.objectContaining({ cost_usd: 0.1 + 0.2, tasks: 1, successes: 2, failures: 3, input_tokens: 4, num_turns: 8, duration_count: 9, duration_sum_ms: 10, duration_max_ms: 11 })]);
    expect(a![2].bins).toEqual(bins(100));
    expect(b![1]).toBe(2);
    expect(b![2]).toMatchObject({ cost_usd: 2, tasks: 1500 });
    expect(rows(null)).toEqual([]);
    expect(rows('')).toEqual([]);
  });

  it('refuses a row with a field missing or too many', () => {
    expect(() => rows(line('1', '0', '0', ints('1').slice(1)))).toThrow(/fields/);
    expect(() => rows(`${line('1', '0', '0', ints('1'))},9`)).toThrow(/fields/);
    expect(() => rows(`${line('1', '0', '0', ints('1'))};1,2`)).toThrow(/fields/);
    expect(() => rows(`${line('1', '0', '0', ints('1'))};1,`)).toThrow(/ends inside a row/);
  });
});

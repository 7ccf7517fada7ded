import type { Granularity } from '../../lib/contracts';

export type { Granularity };

export interface Range {
  preset: '24h' | '7d' | '30d' | '90d' | 'custom';
  /** YYYY-MM-DD (UTC) for a custom range, inclusive on both ends. */
  fromDate: string;
  toDate: string;
}

const DAY = 86_400_000;
export const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The API's `from`/`to` (to exclusive) and a sensible granularity for a range. */
export function rangeQuery(range: Range, now = Date.now()): { from: string; to: string; granularity: Granularity } {
  if (range.preset === 'custom') {
    const from = Date.parse(`${range.fromDate}T00:00:00Z`);
    const to = Date.parse(`${range.toDate}T00:00:00Z`) + DAY;
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), granularity: to - from <= 3 * DAY ? 'hour' : 'day' };
  }
  const days = { '24h': 1, '7d': 7, '30d': 30, '90d': 90 }[range.preset];
  if (days === 1) {
    // Whole hours, so the first bucket is not a sliver.
    const end = Math.ceil(now / 3_600_000) * 3_600_000;
    return { from: new Date(end - DAY).toISOString(), to: new Date(end).toISOString(), granularity: 'hour' };
  }
  const end = Math.floor(now / DAY) * DAY + DAY;
  return { from: new Date(end - days * DAY).toISOString(), to: new Date(end).toISOString(), granularity: 'day' };
}

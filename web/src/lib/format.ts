/**
 * Dollars with enough digits to mean something: cents for large sums, four decimals below $1, and below a tenth of a
 * cent two significant digits ($0.0000279 is "$0.000028", never "$0.0000").
 */
export function usd(n: number | null | undefined, digits?: number): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  const a = Math.abs(n);
  const d = digits ?? (a >= 100 ? 2 : a >= 1 ? 3 : a >= 0.001 || a === 0 ? 4 : Math.min(10, 1 - Math.floor(Math.log10(a))));
  return `$${n.toFixed(d)}`;
}

/** "1 turn", "2 turns", "1,204 tasks": the count and the word agreeing with it. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${int(n)} ${Math.round(n) === 1 ? word : many}`;
}

export function int(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return Math.round(n).toLocaleString('en-US');
}

/** 1234 → "1.2k", 2_500_000 → "2.5M". */
export function compact(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function percent(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return `${(x * 100).toFixed(x >= 0.995 || x === 0 ? 0 : 1)}%`;
}

/**
 * The dashboard's one time zone. The service counts days in UTC (analytics buckets, "today", budgets, the Ledger's
 * date filters), so every clock time is shown in UTC too, and says so.
 */
export const TIME_ZONE = 'UTC';

const clock = (d: Date, opts: Intl.DateTimeFormatOptions) => `${d.toLocaleString('en-GB', { ...opts, timeZone: TIME_ZONE, hourCycle: 'h23' })} ${TIME_ZONE}`;
const utcDay = (d: Date) => d.toISOString().slice(0, 10);

/** "12 s ago", "5 min ago", then "07:23 UTC" today or "24 Nov, 07:23 UTC" before. */
export function when(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const diff = (now - d.getTime()) / 1000;
  if (diff >= 0 && diff < 60) return `${Math.max(1, Math.round(diff))} s ago`;
  if (diff >= 0 && diff < 3600) return `${Math.round(diff / 60)} min ago`;
  const sameDay = utcDay(new Date(now)) === utcDay(d);
  return sameDay ? clock(d, { hour: '2-digit', minute: '2-digit' }) : clock(d, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** "24 Nov, 07:23:15 UTC", with the year when it is not this year. */
export function fullTime(iso: string | number | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return '—';
  const d = new Date(iso);
  const year = d.getUTCFullYear() !== new Date(now).getUTCFullYear() ? { year: 'numeric' as const } : {};
  return clock(d, { ...year, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A task's wall-clock time: started to finished, or to now while it runs; null before it starts. */
export function wallMs(started: string | null, completed: string | null, now = Date.now()): number | null {
  if (!started) return null;
  return Math.max(0, (completed ? Date.parse(completed) : now) - Date.parse(started));
}

/** Wall time beside the CLI's own figure (which leaves out start-up and waiting), each labelled. */
export function durations(wall: number | null, cli: number | null): string {
  if (wall === null) return cli === null ? '—' : `${duration(cli)} (CLI)`;
  return cli === null ? `${duration(wall)} wall` : `${duration(wall)} wall · ${duration(cli)} CLI`;
}

export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function json(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

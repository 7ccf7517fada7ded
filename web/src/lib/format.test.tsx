import { describe, expect, it } from 'vitest';
import { durations, fullTime, plural, TIME_ZONE, usd, wallMs, when } from './format';

// The browser's own zone must not leak into what is shown: run these as if far from UTC.
process.env.TZ = 'America/Los_Angeles';

describe('figures that are true', () => {
  it('costs keep enough digits to be told apart, however small', () => {
    expect(usd(0.0000279)).toBe('$0.000028');
    expect(usd(0.0042)).toBe('$0.0042');
    expect(usd(0.00042)).toBe('$0.00042');
    expect(usd(0)).toBe('$0.0000');
    expect(usd(1.23456)).toBe('$1.235');
    expect(usd(1234.5)).toBe('$1234.50');
    expect(usd(null)).toBe('—');
  });

  it('counts agree with their word', () => {
    expect(plural(1, 'turn')).toBe('1 turn');
    expect(plural(2, 'turn')).toBe('2 turns');
    expect(plural(0, 'task')).toBe('0 tasks');
    expect(plural(1204, 'task')).toBe('1,204 tasks');
    expect(plural(1, 'live worker')).toBe('1 live worker');
  });

  it('clock times are UTC and say so, whatever the browser’s zone', () => {
    const now = Date.parse('2026-11-24T20:00:00Z');
    expect(TIME_ZONE).toBe('UTC');
    expect(fullTime('2026-11-24T07:23:15Z', now)).toBe('24 Nov, 07:23:15 UTC');
    expect(fullTime('2025-01-02T23:59:00Z', now)).toBe('2 Jan 2025, 23:59:00 UTC');
    expect(when('2026-11-24T07:23:15Z', now)).toBe('07:23 UTC');
    // The 23rd in Los Angeles, but the 24th in UTC: "today" is UTC's.
    expect(when('2026-11-24T02:00:00Z', now)).toBe('02:00 UTC');
    expect(when('2026-11-23T23:30:00Z', now)).toBe('23 Nov, 23:30 UTC');
    expect(when('2026-11-24T19:59:30Z', now)).toBe('30 s ago');
  });

  it('wall time stands beside the CLI’s own duration, each labelled', () => {
    const wall = wallMs('2026-11-24T07:00:00Z', '2026-11-24T07:00:12Z');
    expect(wall).toBe(12_000);
    expect(durations(wall, 9_800)).toBe('12 s wall · 9.8 s CLI');
    expect(wallMs('2026-11-24T07:00:00Z', null, Date.parse('2026-11-24T07:00:03Z'))).toBe(3_000);
    expect(wallMs(null, null)).toBeNull();
    expect(durations(null, null)).toBe('—');
  });
});

import { describe, expect, it } from 'vitest';
import { PermissionLookupError, PermissionNotCachedError } from './adapter.js';
import { PermissionCache } from './permission-cache.js';

describe('PermissionCache', () => {
  it('asks the provider once for deliveries of one user arriving together, and not again while cached', async () => {
    const cache = new PermissionCache<string>('GitHub', {});
    const asked: string[] = [];
    let answer!: (v: string) => void;
    const lookup = (key: string) => (_signal: AbortSignal) => {
      asked.push(key);
      return new Promise<string>((resolve) => (answer = resolve));
    };
    const burst = Promise.all(Array.from({ length: 5 }, () => cache.get('octo/repo:writer', lookup('octo/repo:writer'))));
    answer('write');
    expect(await burst).toEqual(['write', 'write', 'write', 'write', 'write']);
    expect(await cache.get('octo/repo:writer', lookup('octo/repo:writer'))).toBe('write');
    expect(asked).toEqual(['octo/repo:writer']);
  });

  it('gives up at the deadline, aborting the lookup, and a later delivery asks again', async () => {
    const cache = new PermissionCache<string>('GitHub', { lookupTimeoutMs: 50 });
    let aborted = false;
    const never = (signal: AbortSignal) =>
      new Promise<string>(() => signal.addEventListener('abort', () => (aborted = true)));
    await expect(cache.get('k', never)).rejects.toThrow(PermissionLookupError);
    expect(aborted).toBe(true);
    expect(await cache.get('k', async () => 'admin')).toBe('admin');
  });

  it('answers a delivery from the cache only: a miss asks nobody and says so, a hit answers', async () => {
    const cache = new PermissionCache<string>('GitHub', {});
    let asked = 0;
    const lookup = async () => (asked++, 'write');
    await expect(cache.get('octo/repo/new', lookup, { cachedOnly: true })).rejects.toThrow(PermissionNotCachedError);
    expect(asked).toBe(0);
    expect(await cache.get('octo/repo/new', lookup)).toBe('write');
    expect(await cache.get('octo/repo/new', lookup, { cachedOnly: true })).toBe('write');
    expect(asked).toBe(1);
  });
});

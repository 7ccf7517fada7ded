import { LRUCache } from 'lru-cache';
import { type CheckOptions, PermissionLookupError, PermissionNotCachedError, type PermissionOptions } from './adapter.js';

type Lookup<V> = (signal: AbortSignal) => Promise<V>;

/**
 * A provider's permission lookups, remembered in a bounded LRU cache (default five minutes, 10,000 entries) and given
 * up after a deadline (default 3 s per attempt). A delivery asks with `cachedOnly`: a miss never holds its request,
 * the lookup runs in the background (../permission-wait.ts). Lookups of one user arriving together share one request
 * (lru-cache's fetch), so a burst costs the provider one request, not one each. The signal aborts the HTTP request,
 * and the wait ends with it even when the request is still queued in a client (Octokit's throttling) with nothing to
 * abort yet.
 */
export class PermissionCache<V extends NonNullable<unknown>> {
  private readonly cache: LRUCache<string, V, Lookup<V>>;
  private readonly timeoutMs: number;

  constructor(private readonly provider: string, options: PermissionOptions) {
    this.cache = new LRUCache<string, V, Lookup<V>>({
      max: options.maxEntries ?? 10_000,
      ttl: options.ttlMs ?? 5 * 60_000,
      fetchMethod: (_key, _stale, { signal, context }) => context(signal),
    });
    this.timeoutMs = options.lookupTimeoutMs ?? 3_000;
  }

  async get(key: string, lookup: Lookup<V>, options: CheckOptions = {}): Promise<V> {
    if (options.cachedOnly) {
      const cached = this.cache.get(key);
      if (cached === undefined) throw new PermissionNotCachedError(`${this.provider} permission of ${key} is not cached`);
      return cached;
    }
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
    try {
      const value = await this.cache.fetch(key, { context: lookup, signal });
      if (value === undefined) throw new Error('the lookup answered nothing');
      return value;
    } catch (err) {
      if (deadline.aborted) throw new PermissionLookupError(`${this.provider} did not answer the permission lookup in time`, { cause: err });
      throw err;
    }
  }
}

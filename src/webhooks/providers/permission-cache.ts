import { LRUCache } from 'lru-cache';
import { PermissionLookupError, type PermissionOptions } from './adapter.js';

/**
 * A provider's permission lookups, remembered in a bounded LRU cache (default five minutes, 10,000 entries) and given
 * up after a deadline (default 3 s; the delivery then gets 503 and the provider may deliver it again). The signal
 * aborts the HTTP request; a request still queued in a client (Octokit's throttling) has none to abort yet, so the
 * wait itself ends with the signal too.
 */
export class PermissionCache<V extends NonNullable<unknown>> {
  private readonly cache: LRUCache<string, V>;
  private readonly timeoutMs: number;

  constructor(private readonly provider: string, options: PermissionOptions) {
    this.cache = new LRUCache<string, V>({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? 5 * 60_000 });
    this.timeoutMs = options.lookupTimeoutMs ?? 3_000;
  }

  async get(key: string, lookup: (signal: AbortSignal) => Promise<V>): Promise<V> {
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const signal = AbortSignal.timeout(this.timeoutMs);
    const abandoned = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    let value: V;
    try {
      value = await Promise.race([lookup(signal), abandoned]);
    } catch (err) {
      if (signal.aborted) throw new PermissionLookupError(`${this.provider} did not answer the permission lookup in time`, { cause: err });
      throw err;
    }
    this.cache.set(key, value);
    return value;
  }
}

import type { Config } from '../config.js';
import type { ClaimLimits } from '../storage/repositories/tasks.js';

/** The cluster-wide limits a worker's claims enforce; 0 in the settings means none. */
export function claimLimits(config: Pick<Config, 'GLOBAL_MAX_CONCURRENT_TASKS' | 'FAIR_SHARE_MAX_PER_REQUESTER' | 'FAIR_SHARE_MAX_PER_SOURCE'>): ClaimLimits {
  return {
    global: config.GLOBAL_MAX_CONCURRENT_TASKS || undefined,
    perRequester: config.FAIR_SHARE_MAX_PER_REQUESTER || undefined,
    perSource: config.FAIR_SHARE_MAX_PER_SOURCE || undefined,
  };
}

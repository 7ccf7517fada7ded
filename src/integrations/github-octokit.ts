// The Octokit the GitHub client uses: @octokit/rest with @octokit/plugin-retry (5xx and failed connections, with a
// quadratic backoff) and @octokit/plugin-throttling (rate limits: a secondary limit's Retry-After, a primary limit's
// reset), as Probot builds it, one per installation so each keeps its own cached installation token.
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit as RestOctokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import type { GithubClientOptions } from './github.js';

const Octokit = RestOctokit.plugin(throttling, retry);
export type GithubOctokit = InstanceType<typeof Octokit>;

export type GithubAuth =
  | { token: string }
  | {
      appId: number | string;
      /** PEM (PKCS#1 or PKCS#8). Escaped "\n" sequences, as found in env files, are accepted. */
      privateKey: string;
      /** Default installation; a call may name another with its own `installationId`. */
      installationId?: number;
    };

export interface GithubRetryOptions {
  /** Retries after the first attempt of a 5xx or a failed connection (plugin-retry). Default 3. */
  retries?: number;
  /** The n-th retry waits n² times this: 1 s, 4 s, 9 s by default. */
  backoffBaseMs?: number;
  /** A rate limit asks to wait N seconds; the wait is N times this. 1000 (real seconds) unless a test shortens it. */
  msPerRetryAfterSecond?: number;
  /** Longest rate-limit wait taken inline (default 30 s); a longer one fails at once, with retryAfterMs set. */
  maxRetryAfterMs?: number;
  /** Rate-limit retries (plugin-throttling), each after the wait GitHub asked for. Default 2. */
  rateLimitRetries?: number;
}

export const GITHUB_RETRY_DEFAULTS: Required<GithubRetryOptions> = {
  retries: 3,
  backoffBaseMs: 1_000,
  msPerRetryAfterSecond: 1_000,
  maxRetryAfterMs: 30_000,
  rateLimitRetries: 2,
};

const noop = () => {};
const UNQUEUED = new Bottleneck.Group({ maxConcurrent: null, minTime: 0 });

/** The Octokit to use for an installation (App auth) or the token; made once each. */
export function octokitPool(
  auth: GithubAuth,
  options: GithubClientOptions & { baseUrl: string; timeoutMs: number },
): (installationId: number | undefined) => GithubOctokit {
  const retries = { ...GITHUB_RETRY_DEFAULTS, ...options.retry };
  const rateLimited = (retryAfterSeconds: number, _options: unknown, _octokit: unknown, retryCount: number) =>
    retryCount < retries.rateLimitRetries && retryAfterSeconds * 1000 <= retries.maxRetryAfterMs;
  const common = {
    baseUrl: options.baseUrl,
    userAgent: options.userAgent ?? 'claude-code-agent',
    log: options.log ?? { debug: noop, info: noop, warn: console.warn.bind(console), error: noop },
    // Through fetch so the timeout also covers the installation-token exchange auth-app makes inside the hook.
    request: { fetch: withTimeout(options.timeoutMs) },
    // Rate limits (403/429 with Retry-After or an exhausted quota) belong to the throttling plugin alone.
    retry: { retries: retries.retries, retryAfterBaseValue: retries.backoffBaseMs, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    throttle: {
      onRateLimit: rateLimited,
      onSecondaryRateLimit: rateLimited,
      retryAfterBaseValue: retries.msPerRetryAfterSecond,
      // The plugin's default spaces every write in the process 1 s apart (3 s for ones that notify, such as comments).
      // The service writes a handful of times per task and already answers rate limits, so writes are not queued.
      write: UNQUEUED,
      notifications: UNQUEUED,
    },
  };

  // One Octokit per installation, so each keeps its own cached installation token.
  const octokits = new Map<string, GithubOctokit>();
  return function octokitFor(installationId: number | undefined): GithubOctokit {
    if ('token' in auth) {
      let octokit = octokits.get('token');
      if (!octokit) octokits.set('token', (octokit = new Octokit({ ...common, auth: auth.token })));
      return octokit;
    }
    const id = installationId ?? auth.installationId;
    if (id === undefined) {
      throw new Error(
        'GitHub App authentication needs an installation id: ' +
          'set installationId in createGithubClient or pass it with the call',
      );
    }
    let octokit = octokits.get(String(id));
    if (!octokit) {
      octokit = new Octokit({
        ...common,
        authStrategy: createAppAuth,
        auth: { appId: auth.appId, privateKey: auth.privateKey, installationId: id },
      });
      octokits.set(String(id), octokit);
    }
    return octokit;
  };
}

/**
 * Each attempt is capped at `timeoutMs` (a timed-out attempt counts as a failed connection and may be retried). A
 * caller's own signal aborts the request too, and then nothing is retried: Octokit passes an error named AbortError
 * through untouched, and plugin-retry leaves alone what is not a RequestError.
 */
function withTimeout(timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const caller = init?.signal ?? undefined;
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      return await fetch(input, { ...init, signal: caller ? AbortSignal.any([caller, timeout]) : timeout });
    } catch (error) {
      if (caller?.aborted) throw Object.assign(new Error('the request was aborted', { cause: caller.reason }), { name: 'AbortError' });
      throw error;
    }
  };
}

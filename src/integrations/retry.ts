// The one retry layer for outbound calls to Slack, Jira and Sentry (GitHub's are Octokit's plugins, see github.ts).
// The official clients' own retries are switched off where they have any (WebClient), so a failing call is tried at
// most 1 + delaysMs.length times, never multiplied. Other work that must survive a passing fault (storing a run's
// events) uses it too, saying which errors are worth another try. The loop is p-retry's.
import { STATUS_CODES } from 'node:http';
import pRetry from 'p-retry';

export interface RetryOptions {
  /** Wait before each retry, in ms; the length is the number of retries. Default: 3 retries over about 3.5 s. */
  delaysMs?: readonly number[];
  /** Longest Retry-After honoured. A longer one fails at once (carrying retryAfterMs) so a queue can reschedule. */
  maxRetryAfterMs?: number;
  /** Spread each scheduled delay by ±jitter/2 (0.2 → ±10 %) so workers do not retry in lockstep. Default 0.2. */
  jitter?: number;
  /** Injected by tests so retries take no wall-clock time. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /**
   * Errors other than IntegrationError that are worth another try (IntegrationErrors decide for themselves). Without
   * it only IntegrationErrors are retried.
   */
  retryIf?: (error: unknown) => boolean;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [500, 1_000, 2_000];
export const DEFAULT_MAX_RETRY_AFTER_MS = 30_000;

export interface IntegrationErrorDetails {
  /** "GitHub", "Slack", "Jira", "Sentry". */
  provider: string;
  /** What was attempted, e.g. "POST /repos/o/r/issues/1/comments" or "chat.postMessage". */
  operation: string;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** The provider's own error text (GitHub `message`, Jira `errorMessages`, Slack `error`). Never a credential. */
  providerMessage?: string;
  /** Set when the provider asked us to wait (Retry-After, or a rate-limit reset). */
  retryAfterMs?: number;
  /** True when no response arrived (connection refused, reset, DNS, timeout). */
  network?: boolean;
}

/**
 * A failed provider call. Carries no request headers or library error objects, so logging it cannot leak a token.
 * Message shape: `GitHub POST /repos/o/r/issues/1/comments failed: 404 Not Found`.
 */
export class IntegrationError extends Error {
  override readonly name = 'IntegrationError';
  readonly provider: string;
  readonly operation: string;
  readonly status: number | undefined;
  readonly providerMessage: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly network: boolean;
  /** How many attempts were made in total; set by withRetry. */
  attempts = 1;

  constructor(details: IntegrationErrorDetails) {
    super(describe(details));
    this.provider = details.provider;
    this.operation = details.operation;
    this.status = details.status;
    this.providerMessage = details.providerMessage;
    this.retryAfterMs = details.retryAfterMs;
    this.network = details.network ?? false;
  }

  /** 429, 5xx and network failures are worth another try; other 4xx will fail the same way again. */
  get retryable(): boolean {
    if (this.status === undefined) return this.network;
    return this.status === 429 || this.status >= 500;
  }
}

function describe(d: IntegrationErrorDetails): string {
  let outcome: string;
  if (d.status !== undefined) {
    const reason = STATUS_CODES[d.status] ?? 'Unknown Status';
    outcome = `${d.status} ${reason}`;
    if (d.providerMessage && d.providerMessage.toLowerCase() !== reason.toLowerCase()) outcome += `: ${d.providerMessage}`;
  } else if (d.network) {
    outcome = `no response (${d.providerMessage ?? 'network error'})`;
  } else {
    outcome = d.providerMessage ?? 'unknown error';
  }
  return `${d.provider} ${d.operation} failed: ${outcome}`;
}

/**
 * Runs `fn`, retrying IntegrationErrors that are retryable (429, 5xx, network) on a short, bounded schedule.
 * Anything else (other 4xx, programming errors) is thrown at once. Retry-After wins over the schedule when present.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const delays = opts.delaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  const jitter = opts.jitter ?? 0.2;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const jittered = (ms: number) => Math.round(ms * (1 - jitter / 2 + jitter * random()));

  let attempts = 0;
  let waitRefused = false;
  /** The wait before attempt n + 1 after this failure: 'no' when it is not retried. */
  const waitAfter = (error: Error, n: number): number | 'no' => {
    if (!(error instanceof IntegrationError)) return opts.retryIf?.(error) ? jittered(delays[n - 1]!) : 'no';
    if (!error.retryable) return 'no';
    if (error.retryAfterMs === undefined) return jittered(delays[n - 1]!);
    if (error.retryAfterMs <= maxRetryAfterMs) return error.retryAfterMs;
    const [asked, limit] = [error.retryAfterMs, maxRetryAfterMs].map((ms) => Math.ceil(ms / 1000));
    error.message += ` (Retry-After ${asked} s is longer than the ${limit} s this client waits inline)`;
    waitRefused = true;
    return 'no';
  };

  try {
    return await pRetry(
      (attempt) => {
        attempts = attempt;
        return fn(attempt);
      },
      {
        retries: delays.length,
        // Each failure sets its own wait (the schedule, or the provider's Retry-After), so p-retry's is zero and the
        // wait happens here, once the failure is known to be retried.
        minTimeout: 0,
        shouldRetry: async ({ error, attemptNumber }) => {
          const delayMs = waitAfter(error, attemptNumber);
          if (delayMs === 'no') return false;
          opts.onRetry?.({ attempt: attemptNumber, delayMs, error });
          await sleep(delayMs);
          return true;
        },
      },
    );
  } catch (error) {
    if (error instanceof IntegrationError) {
      error.attempts = attempts;
      if (attempts > 1 && !waitRefused) error.message += ` (gave up after ${attempts} attempts)`;
    }
    throw error;
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns ms to wait, or undefined. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // HTTP-dates start with a day name; without this check Date.parse would read "-5" as a year.
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Best-effort description of a failure that produced no HTTP response (fetch/undici/axios all nest it differently). */
export function networkReason(error: unknown): string {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const { code, name } = current as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(code)) return code;
    if (name === 'TimeoutError' || name === 'AbortError') return 'timed out';
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error && error.message ? error.message : 'network error';
}

import { describe, expect, it } from 'vitest';
import { IntegrationError, parseRetryAfter, withRetry, type RetryOptions } from './retry.js';

function fastRetry(extra: Partial<RetryOptions> = {}) {
  const slept: number[] = [];
  const opts: RetryOptions = {
    delaysMs: [10, 20, 40],
    jitter: 0,
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...extra,
  };
  return { opts, slept };
}

const failure = (status: number | undefined, extra: { retryAfterMs?: number; network?: boolean } = {}) =>
  new IntegrationError({ provider: 'GitHub', operation: 'POST /repos/o/r/issues/1/comments', status, ...extra });

/** A function failing with the given errors in order, then returning 'done'. */
function failingWith(...errors: unknown[]) {
  let calls = 0;
  const fn = async () => {
    calls += 1;
    const error = errors.shift();
    if (error) throw error;
    return 'done';
  };
  return { fn, calls: () => calls };
}

describe('IntegrationError', () => {
  it('says what failed, with the reason phrase and any provider message', () => {
    expect(failure(404).message).toBe('GitHub POST /repos/o/r/issues/1/comments failed: 404 Not Found');
    const withDetail = new IntegrationError({
      provider: 'Jira',
      operation: 'PUT /x',
      status: 400,
      providerMessage: 'comment: Comment body is not valid!',
    });
    expect(withDetail.message).toBe('Jira PUT /x failed: 400 Bad Request: comment: Comment body is not valid!');
    const network = new IntegrationError({ provider: 'Sentry', operation: 'POST /y', network: true, providerMessage: 'ECONNREFUSED' });
    expect(network.message).toBe('Sentry POST /y failed: no response (ECONNREFUSED)');
  });

  it('counts 429, 5xx and network failures as retryable, and nothing else', () => {
    expect([429, 500, 502, 503, 504].map((s) => failure(s).retryable)).toEqual([true, true, true, true, true]);
    expect([400, 401, 403, 404, 409, 422].map((s) => failure(s).retryable)).toEqual([false, false, false, false, false, false]);
    expect(failure(undefined, { network: true }).retryable).toBe(true);
    expect(failure(undefined).retryable).toBe(false); // e.g. a Slack ok:false answer
  });
});

describe('withRetry', () => {
  it('retries 5xx on the schedule, then returns the result', async () => {
    const { opts, slept } = fastRetry();
    const f = failingWith(failure(500), failure(503));
    await expect(withRetry(f.fn, opts)).resolves.toBe('done');
    expect(f.calls()).toBe(3);
    expect(slept).toEqual([10, 20]);
  });

  it('waits for Retry-After instead of the schedule', async () => {
    const { opts, slept } = fastRetry();
    const f = failingWith(failure(429, { retryAfterMs: 2_000 }));
    await expect(withRetry(f.fn, opts)).resolves.toBe('done');
    expect(slept).toEqual([2_000]);
  });

  it('does not retry a 4xx other than 429', async () => {
    const { opts, slept } = fastRetry();
    const f = failingWith(failure(404));
    await expect(withRetry(f.fn, opts)).rejects.toThrow('GitHub POST /repos/o/r/issues/1/comments failed: 404 Not Found');
    expect(f.calls()).toBe(1);
    expect(slept).toEqual([]);
  });

  it('does not retry errors it does not recognise', async () => {
    const { opts } = fastRetry();
    const f = failingWith(new TypeError('bug'));
    await expect(withRetry(f.fn, opts)).rejects.toThrow(TypeError);
    expect(f.calls()).toBe(1);
  });

  it('retries other errors that retryIf accepts, on the same schedule, and throws the last one', async () => {
    const { opts, slept } = fastRetry({ retryIf: (e) => e instanceof Error && e.message.startsWith('SQLITE_BUSY') });
    const retried: number[] = [];
    opts.onRetry = ({ attempt }) => void retried.push(attempt);
    const recovers = failingWith(new Error('SQLITE_BUSY: database is locked'), new Error('SQLITE_BUSY: again'));
    await expect(withRetry(recovers.fn, opts)).resolves.toBe('done');
    expect(recovers.calls()).toBe(3);
    expect(slept).toEqual([10, 20]);
    expect(retried).toEqual([1, 2]);

    const never = failingWith(new Error('SQLITE_BUSY: 1'), new Error('SQLITE_BUSY: 2'), new Error('SQLITE_BUSY: 3'), new Error('SQLITE_BUSY: 4'));
    await expect(withRetry(never.fn, opts)).rejects.toThrow('SQLITE_BUSY: 4');
    expect(never.calls()).toBe(4);
    const refused = failingWith(new TypeError('bug'));
    await expect(withRetry(refused.fn, opts)).rejects.toThrow(TypeError);
    expect(refused.calls()).toBe(1);
  });

  it('gives up after the schedule runs out and says how many attempts were made', async () => {
    const { opts, slept } = fastRetry();
    const f = failingWith(failure(502), failure(502), failure(502), failure(502), failure(502));
    const error = await withRetry(f.fn, opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrationError);
    expect((error as IntegrationError).message).toBe(
      'GitHub POST /repos/o/r/issues/1/comments failed: 502 Bad Gateway (gave up after 4 attempts)',
    );
    expect((error as IntegrationError).attempts).toBe(4);
    expect(f.calls()).toBe(4);
    expect(slept).toEqual([10, 20, 40]);
  });

  it('fails at once when Retry-After is longer than it will wait, keeping retryAfterMs for a queue', async () => {
    const { opts, slept } = fastRetry({ maxRetryAfterMs: 5_000 });
    const f = failingWith(failure(429, { retryAfterMs: 60_000 }));
    const error = (await withRetry(f.fn, opts).catch((e: unknown) => e)) as IntegrationError;
    expect(error.message).toMatch(/429 Too Many Requests \(Retry-After 60 s is longer than the 5 s this client waits inline\)$/);
    expect(error.retryAfterMs).toBe(60_000);
    expect(f.calls()).toBe(1);
    expect(slept).toEqual([]);
  });

  it('retries network failures', async () => {
    const { opts } = fastRetry();
    const f = failingWith(failure(undefined, { network: true }));
    await expect(withRetry(f.fn, opts)).resolves.toBe('done');
    expect(f.calls()).toBe(2);
  });

  it('spreads scheduled delays by the jitter ratio', async () => {
    const low = fastRetry({ jitter: 0.2, random: () => 0 });
    await withRetry(failingWith(failure(500)).fn, low.opts);
    const high = fastRetry({ jitter: 0.2, random: () => 1 });
    await withRetry(failingWith(failure(500)).fn, high.opts);
    expect([low.slept[0], high.slept[0]]).toEqual([9, 11]);
  });

  it('retries nothing with an empty schedule', async () => {
    const f = failingWith(failure(500));
    await expect(withRetry(f.fn, { delaysMs: [] })).rejects.toThrow('500 Internal Server Error');
    expect(f.calls()).toBe(1);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

import { withRetry } from '../integrations/retry.js';
import type { Logger } from '../logger.js';
import { isDiskFull } from './disk-space.js';
import type { Repositories } from './repositories/index.js';

/** Waits before each new try of a database call that lost its connection: about 7.5 s in all, a server restart's time. */
export const DB_RETRY_DELAYS_MS: readonly number[] = [100, 400, 1_000, 2_000, 4_000];

// PostgreSQL SQLSTATEs of a connection that went away (class 08, and 57P01-57P03: the server is shutting down,
// restarting or not yet accepting), and the Node/pg errors of a socket that closed under a query.
const TRANSIENT_SQLSTATE = /^(08...|57P0[123])$/;
const TRANSIENT_NODE_CODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
const TRANSIENT_MESSAGE = /Connection terminated|Client has encountered a connection error|Connection closed/i;

/** True for errors that say the connection failed, not the statement: the same call on a new connection may work. */
export function isTransientDbError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_SQLSTATE.test(code) || TRANSIENT_NODE_CODE.has(code))) return true;
  return TRANSIENT_MESSAGE.test(error.message);
}

export interface RetryingOptions {
  delaysMs?: readonly number[];
  /** Frees reserved disk space (SpaceReserve.release); returns whether it freed any. */
  freeSpace?: () => boolean;
}

/**
 * The same repositories, each call tried again on a fresh connection when the database dropped the old one (a
 * PostgreSQL restart, a failover, an idle connection cut by a proxy). Used by the worker, whose writes a running task
 * cannot do without; a request handler answers 503 instead and the client retries. A statement that did fail is not
 * retried (but a task's final write, `transition` or the fenced `settle`, that found the disk full is retried once the reserve is freed), and a
 * transaction is retried whole. (A write whose commit was lost with its connection's answer runs
 * twice: the worker's writes are conditional or keyed, so that is a no-op or a refused duplicate.)
 */
export function retryingRepositories(repos: Repositories, log: Logger, opts: RetryingOptions = {}): Repositories {
  const retried = <T>(what: string, call: () => Promise<T>) =>
    withRetry(call, {
      delaysMs: opts.delaysMs ?? DB_RETRY_DELAYS_MS,
      // The write that ends a task may use the disk's reserve: a task must not stay `running` for want of a page.
      retryIf: (err) => isTransientDbError(err) || ((what === 'tasks.transition' || what === 'tasks.settle') && isDiskFull(err) && (opts.freeSpace?.() ?? false)),
      onRetry: ({ attempt, delayMs, error }) => log.warn({ err: error, attempt, call: what }, `database connection lost; retrying in ${delayMs} ms`),
    });
  const wrap = <R extends object>(name: string, repo: R): R =>
    new Proxy(repo, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => retried(`${name}.${String(key)}`, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
      },
    });
  const out = {} as Record<string, unknown>;
  for (const [name, repo] of Object.entries(repos)) out[name] = typeof repo === 'object' && repo !== null ? wrap(name, repo) : repo;
  const wrapped = out as unknown as Repositories;
  wrapped.transaction = (work) => retried('transaction', () => repos.transaction(work));
  return wrapped;
}

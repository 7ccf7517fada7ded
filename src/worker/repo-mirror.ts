import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/** Runs git with the caller's environment (which may carry a token) in `dir`. */
export type Git = (args: string[], dir: string) => Promise<unknown>;

/**
 * How long a mirror lock may go without its holder refreshing it (proper-lockfile refreshes it at half this while
 * held) before another process takes it as left by a dead one; and how long a waiter keeps trying (a first clone of a
 * big repository may take minutes).
 */
const LOCK_STALE_MS = 30_000;
const LOCK_RETRIES = { retries: 1000, factor: 1.2, minTimeout: 50, maxTimeout: 2000 };

/**
 * One chain of mirror operations per mirror directory in this process, and a lock file (`<mirror>.lock`) across the
 * processes sharing DATA_DIR: two tasks on a repository never clone or fetch into it at once.
 */
const locks = new Map<string, Promise<unknown>>();

async function acrossProcesses<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  await fs.promises.mkdir(path.dirname(dir), { recursive: true });
  const release = await lockfile.lock(dir, { lockfilePath: `${dir}.lock`, realpath: false, stale: LOCK_STALE_MS, retries: LOCK_RETRIES });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined); // already taken as stale by another process: nothing left to release
  }
}

function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  const locked = () => acrossProcesses(key, fn);
  const result = previous.then(locked, locked);
  const settled = result.catch(() => undefined);
  locks.set(key, settled);
  void settled.then(() => {
    if (locks.get(key) === settled) locks.delete(key);
  });
  return result;
}

/**
 * Where a repository's mirror lives: DATA_DIR/mirrors/<owner>-<repo>-<hash of the URL>.git. The hash keeps two hosts
 * (or a hostile name with slashes or dots) apart; the readable part is cleaned to letters, digits, `-`, `_`, `.`.
 */
export function mirrorPath(dataDir: string, url: string, name: string): string {
  const readable = name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[.-]+/, '').slice(0, 80);
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 16);
  return path.join(dataDir, 'mirrors', `${readable}-${hash}.git`);
}

/**
 * Brings the bare mirror of `url` up to date — cloned the first time, fetched after — plus `extraRef` (a pull
 * request's head) when given, and returns its path. Only branches and tags are mirrored, not every pull request's
 * ref: a PR's head is fetched when a task asks for it.
 */
export async function syncMirror(git: Git, dataDir: string, url: string, name: string, extraRef?: string): Promise<string> {
  const dir = mirrorPath(dataDir, url, name);
  await withLock(dir, async () => {
    if (!fs.existsSync(path.join(dir, 'HEAD'))) {
      // Cloned beside its final place and renamed into it, so a clone that fails halfway leaves no broken mirror.
      const partial = `${dir}.partial-${process.pid}`;
      await fs.promises.rm(partial, { recursive: true, force: true });
      try {
        await git(['clone', '--bare', '--quiet', url, partial], path.dirname(dir));
        await git(['config', 'remote.origin.fetch', '+refs/heads/*:refs/heads/*'], partial);
        await fs.promises.rename(partial, dir);
      } finally {
        await fs.promises.rm(partial, { recursive: true, force: true });
      }
    } else {
      await git(['fetch', '--quiet', '--prune', 'origin'], dir);
    }
    if (extraRef) await git(['fetch', '--quiet', 'origin', `+${extraRef}:${extraRef}`], dir);
  });
  return dir;
}

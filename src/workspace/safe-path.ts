import { constants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { DomainError } from '../domain/errors.js';

const refused = (message: string) => new DomainError('invalid', `invalid path: ${message}`, { field: 'path' });

/** A checked path: `real` (every symlink resolved) lies inside `root`, the workspace's own real path. */
export interface ResolvedPath {
  real: string;
  relative: string;
  root: string;
}

/**
 * A client's path inside a workspace, checked: relative, no `..` segment, no NUL, and — with every symlink on the way
 * resolved — still inside the workspace. Returns the real path to read and the tidy relative path to show. A path that
 * does not exist is a 404 (after the checks, so a refusal never depends on what exists outside).
 */
export async function resolveInside(root: string, requested: string): Promise<ResolvedPath> {
  if (requested.includes('\0')) throw refused('contains a NUL byte');
  if (path.isAbsolute(requested) || /^[A-Za-z]:/.test(requested)) throw refused('must be relative to the workspace');
  const parts = requested.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw refused('must not contain ".."');
  const realRoot = await fs.realpath(root);
  const relative = parts.join('/');
  let real: string;
  try {
    real = await fs.realpath(path.join(realRoot, ...parts));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // A dangling link pointing out of the workspace is refused like any other escape, not reported missing.
      const target = await fs.readlink(path.join(realRoot, ...parts)).catch(() => undefined);
      if (target !== undefined && !isInside(realRoot, path.resolve(path.dirname(path.join(realRoot, ...parts)), target))) throw refused('leads outside the workspace');
      throw new DomainError('not_found', `${relative || '.'} not found in the workspace`);
    }
    if (code === 'ELOOP') throw refused('is a symlink loop');
    throw err;
  }
  if (!isInside(realRoot, real)) throw refused('leads outside the workspace');
  return { real, relative, root: realRoot };
}

export interface OpenedPath {
  handle: FileHandle;
  relative: string;
  /** A path naming the opened file or folder itself (its /proc/self/fd link), to list or read it without a new lookup. */
  self: string;
}

/**
 * Opens a checked path without trusting the check: a run sharing the workspace can swap a file or a folder on the way
 * for a symlink between resolving and opening. The last component is opened with O_NOFOLLOW (a symlink there is
 * refused), and where the opened file really is (/proc/self/fd, Linux) must still be inside the workspace, which
 * catches a folder on the way swapped for a link. O_NONBLOCK: opening a FIFO the run left there never waits.
 */
export async function openResolved(resolved: ResolvedPath, want: 'file' | 'directory'): Promise<OpenedPath> {
  const { real, relative, root } = resolved;
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | (want === 'directory' ? constants.O_DIRECTORY : 0);
  let handle: FileHandle;
  try {
    handle = await fs.open(real, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw refused('was swapped for a symlink');
    if (code === 'ENOTDIR') throw new DomainError('invalid', `invalid path: ${relative || '.'} is not a folder`, { field: 'path' });
    if (code === 'ENOENT') throw new DomainError('not_found', `${relative || '.'} not found in the workspace`);
    throw err;
  }
  const self = `/proc/self/fd/${handle.fd}`;
  const actual = await fs.readlink(self).catch(() => undefined);
  if (actual === undefined || !isInside(root, actual)) {
    await handle.close();
    throw refused('leads outside the workspace');
  }
  return { handle, relative, self };
}

/** resolveInside, then openResolved. */
export async function openInside(root: string, requested: string, want: 'file' | 'directory'): Promise<OpenedPath> {
  return openResolved(await resolveInside(root, requested), want);
}

export function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

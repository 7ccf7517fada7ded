import fs from 'node:fs/promises';
import path from 'node:path';
import { DomainError } from '../domain/errors.js';

const refused = (message: string) => new DomainError('invalid', `invalid path: ${message}`, { field: 'path' });

/**
 * A client's path inside a workspace, checked: relative, no `..` segment, no NUL, and — with every symlink on the way
 * resolved — still inside the workspace. Returns the real path to read and the tidy relative path to show. A path that
 * does not exist is a 404 (after the checks, so a refusal never depends on what exists outside).
 */
export async function resolveInside(root: string, requested: string): Promise<{ real: string; relative: string }> {
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
  return { real, relative };
}

export function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

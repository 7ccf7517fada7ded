import fs from 'node:fs/promises';
import path from 'node:path';
import type { WorkspaceEntry, WorkspaceFile, WorkspaceListing } from '../contracts/workspace.js';
import { DomainError } from '../domain/errors.js';
import { openInside } from './safe-path.js';

const MAX_ENTRIES = 2000;
const MAX_TEXT_BYTES = 256 * 1024;

/** One folder of a workspace, folders first; symlinks are listed as such, never followed. */
export async function listFolder(root: string, requested: string): Promise<WorkspaceListing> {
  const { handle, relative, self } = await openInside(root, requested, 'directory');
  try {
    // Listed through the opened folder itself, so a swap of the path after it was checked changes nothing.
    const names = (await fs.readdir(self)).sort().slice(0, MAX_ENTRIES);
    const entries: WorkspaceEntry[] = [];
    for (const name of names) {
      const stat = await fs.lstat(path.join(self, name)).catch(() => undefined);
      if (!stat) continue; // removed while listing
      const type = stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
      entries.push({ name, path: relative ? `${relative}/${name}` : name, type, size: stat.size, modified_at: stat.mtime.toISOString() });
    }
    entries.sort((a, b) => Number(b.type === 'directory') - Number(a.type === 'directory') || a.name.localeCompare(b.name));
    return { path: relative, entries };
  } finally {
    await handle.close();
  }
}

/** A file of a workspace: its text (the first 256 KB), or only its size when it is binary. */
export async function readWorkspaceFile(root: string, requested: string): Promise<WorkspaceFile> {
  const { handle, relative } = await openInside(root, requested, 'file');
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new DomainError('invalid', `invalid path: ${relative || '.'} is not a file`, { field: 'path' });
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_TEXT_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead);
    const binary = head.subarray(0, 8192).includes(0);
    return { path: relative, size: stat.size, content: binary ? null : head.toString('utf8'), truncated: stat.size > bytesRead, binary };
  } finally {
    await handle.close();
  }
}

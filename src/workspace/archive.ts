import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { isInside, openResolved } from './safe-path.js';

/**
 * The workspace as a .tar.gz stream, under a top folder `name`. Symlinks are stored as links, never followed, and
 * only when they point inside the workspace: one leading out (the registry links in .claude, or one a run made to
 * /etc) is left out, so the archive holds the workspace's own files and nothing else.
 */
export function workspaceArchive(root: string, name: string): Readable {
  const pack = tar.pack();
  const gzip = zlib.createGzip();
  pack.pipe(gzip);
  void (async () => {
    const realRoot = await fs.realpath(root);
    await addFolder(pack, realRoot, '', name);
    pack.finalize();
  })().catch((err: Error) => gzip.destroy(err));
  return gzip;
}

/**
 * Adds the folder at `relative` (inside the real root) and everything in it. Each folder and file is opened as
 * openResolved does (O_NOFOLLOW, then checked where it really is) and read through what was opened, so a file or a
 * folder a run swaps for a symlink while the archive is being made is left out instead of followed.
 */
async function addFolder(pack: tar.Pack, realRoot: string, relative: string, prefix: string): Promise<void> {
  const folder = await openResolved({ real: path.join(realRoot, relative), relative, root: realRoot }, 'directory').catch(() => undefined);
  if (!folder) return; // removed, or swapped for a link, meanwhile
  try {
    for (const entry of (await fs.readdir(folder.self)).sort()) {
      const inner = relative ? `${relative}/${entry}` : entry;
      const name = `${prefix}/${inner}`;
      const stat = await fs.lstat(path.join(folder.self, entry)).catch(() => undefined);
      if (!stat) continue; // removed meanwhile
      const header = { name, mode: stat.mode & 0o777, mtime: stat.mtime };
      if (stat.isSymbolicLink()) {
        const target = await fs.readlink(path.join(folder.self, entry)).catch(() => undefined);
        if (target === undefined || !isInside(realRoot, path.resolve(realRoot, relative, target))) continue;
        await entryDone(pack, { ...header, type: 'symlink', linkname: target });
      } else if (stat.isDirectory()) {
        await entryDone(pack, { ...header, type: 'directory' });
        await addFolder(pack, realRoot, inner, prefix);
      } else if (stat.isFile()) {
        await addFile(pack, realRoot, inner, name);
      }
    }
  } finally {
    await folder.handle.close();
  }
}

async function addFile(pack: tar.Pack, realRoot: string, relative: string, name: string): Promise<void> {
  const file = await openResolved({ real: path.join(realRoot, relative), relative, root: realRoot }, 'file').catch(() => undefined);
  if (!file) return;
  const stat = await file.handle.stat();
  const header = { name, mode: stat.mode & 0o777, mtime: stat.mtime };
  if (!stat.isFile() || stat.size === 0) {
    await file.handle.close();
    if (stat.isFile()) await entryDone(pack, { ...header, type: 'file', size: 0 });
    return;
  }
  // Exactly the size in the header: a file that shrinks meanwhile fails the archive rather than corrupting it. The
  // stream closes the handle.
  await pipeline(createReadStream('', { fd: file.handle, start: 0, end: stat.size - 1 }), pack.entry({ ...header, type: 'file', size: stat.size }));
}

function entryDone(pack: tar.Pack, header: Parameters<tar.Pack["entry"]>[0]): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
}

import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { isInside } from './safe-path.js';

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
    await addFolder(pack, realRoot, realRoot, name);
    pack.finalize();
  })().catch((err: Error) => gzip.destroy(err));
  return gzip;
}

async function addFolder(pack: tar.Pack, realRoot: string, dir: string, prefix: string): Promise<void> {
  for (const entry of (await fs.readdir(dir)).sort()) {
    const full = path.join(dir, entry);
    const name = `${prefix}/${path.relative(realRoot, full)}`;
    const stat = await fs.lstat(full).catch(() => undefined);
    if (!stat) continue; // removed meanwhile
    const header = { name, mode: stat.mode & 0o777, mtime: stat.mtime };
    if (stat.isSymbolicLink()) {
      const target = await fs.readlink(full);
      if (!isInside(realRoot, path.resolve(dir, target))) continue;
      await entryDone(pack, { ...header, type: 'symlink', linkname: target });
    } else if (stat.isDirectory()) {
      await entryDone(pack, { ...header, type: 'directory' });
      await addFolder(pack, realRoot, full, prefix);
    } else if (stat.isFile()) {
      if (stat.size === 0) await entryDone(pack, { ...header, type: 'file', size: 0 });
      // Exactly the size in the header: a file that shrinks meanwhile fails the archive rather than corrupting it.
      else await pipeline(createReadStream(full, { start: 0, end: stat.size - 1 }), pack.entry({ ...header, type: 'file', size: stat.size }));
    }
  }
}

function entryDone(pack: tar.Pack, header: Parameters<tar.Pack["entry"]>[0]): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
}

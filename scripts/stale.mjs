// Whether a build output is older than any of the sources it is made from (mtimes, newest file in each directory).
// Used by `npm start` so a start after no change runs the built code at once (scripts/build-server.mjs,
// web/scripts/build-web.mjs).
import fs from 'node:fs';
import path from 'node:path';

/** The newest modification time of a file, or of any file under a directory; 0 when the path does not exist. */
export function newestMtime(p) {
  let stat;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted or renamed file shows as the directory's change
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

/** True when `output` is missing or any source changed after it was written. */
export function isStale(output, sources) {
  if (!fs.existsSync(output)) return true;
  const built = fs.statSync(output).mtimeMs;
  return sources.some((s) => newestMtime(s) > built);
}

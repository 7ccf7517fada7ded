import fs from 'node:fs';
import path from 'node:path';

/** The folder holding the service's package.json, whether running from src/ (tsx) or dist/src/ (compiled). */
export const projectRoot: string = (() => {
  let dir = import.meta.dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${import.meta.dirname}`);
    dir = parent;
  }
  return dir;
})();

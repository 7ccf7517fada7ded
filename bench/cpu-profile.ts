/** Reads a V8 .cpuprofile and names where the time went: self time per function, largest first. */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/paths.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export function topFrames(file: string, count = 8): Array<{ frame: string; share: number }> {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const self = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
    const { functionName, url, lineNumber } = node.callFrame;
    // Lines of the project's own files are those of tsx's output, not of the source: the file names them well enough.
    const file = url ? path.relative(projectRoot, url.replace(/^file:\/\//, '')).replace(/^node_modules\//, '') : '';
    const where = file.startsWith('src/') || !file ? file : `${file}:${lineNumber + 1}`;
    const frame = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    self.set(frame, (self.get(frame) ?? 0) + hits);
    total += hits;
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, hits]) => ({ frame, share: hits / total }));
}

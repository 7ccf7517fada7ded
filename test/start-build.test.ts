import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error a plain ESM script with no type declarations (run by `npm start` before anything is compiled)
import { isStale } from '../scripts/stale.mjs';

// `npm start` compiles the service and the dashboard only when a source changed since the last build (issue 13).
describe('build staleness for npm start', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-stale-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const at = (p: string, seconds: number) => fs.utimesSync(p, seconds, seconds);

  it('is stale without an output, fresh after a build, stale again when a source file or a directory changes', () => {
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'deep'), { recursive: true });
    const source = path.join(src, 'deep', 'a.ts');
    fs.writeFileSync(source, 'export {};');
    const output = path.join(dir, 'main.js');
    expect(isStale(output, [src])).toBe(true);

    fs.writeFileSync(output, '');
    for (const p of [source, path.join(src, 'deep'), src]) at(p, 1_000);
    at(output, 2_000);
    expect(isStale(output, [src, path.join(dir, 'missing.json')])).toBe(false);

    at(source, 3_000); // an edited file deep down
    expect(isStale(output, [src])).toBe(true);
    at(source, 1_000);
    at(path.join(src, 'deep'), 3_000); // a file deleted or renamed changes only its directory
    expect(isStale(output, [src])).toBe(true);
  });
});

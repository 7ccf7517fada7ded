// Compiles the service into dist/ with tsc.
//   --if-stale  skip when dist/src/main.js is newer than every source (`npm start` after no change starts at once)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isStale } from './stale.mjs';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const output = path.join(rootDir, 'dist', 'src', 'main.js');
const sources = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'].map((p) => path.join(rootDir, p));

if (process.argv.includes('--if-stale') && !isStale(output, sources)) process.exit(0);

const tsc = path.join(rootDir, 'node_modules', 'typescript', 'bin', 'tsc');
const started = Date.now();
const result = spawnSync(process.execPath, [tsc, '-p', path.join(rootDir, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
// tsc leaves an unchanged output file alone; the stamp says when the build ran.
const now = new Date();
fs.utimesSync(output, now, now);
console.log(`service built into dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);

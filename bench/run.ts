/**
 * `npm run bench` runs every section (bench/sections.ts), each refreshing its own part of BENCHMARKS.md;
 * `npm run bench -- analytics fanout` runs only those named. Options (`--tasks 200000`) go to the sections that read them.
 */
import { runSections, SECTIONS } from './sections.js';

const args = process.argv.slice(2);
const names = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
await runSections(names.length > 0 ? names : Object.keys(SECTIONS));
process.exit(0);

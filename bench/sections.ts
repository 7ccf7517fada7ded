/**
 * `npm run bench -- fanout` (or `ingest`) runs only those sections, each refreshing its own part of BENCHMARKS.md;
 * plain `npm run bench` runs every section.
 */
import { benchAnalytics } from './analytics.js';
import { benchCeiling } from './ceiling.js';
import { benchDispatch } from './dispatch.js';
import { benchFanout } from './fanout.js';
import { benchIngest } from './ingest.js';
import { benchMemory } from './memory.js';
import { benchOverhead } from './overhead.js';
import { PIPELINE_NOTES } from './pipeline-notes.js';
import { machine, writeSection } from './report.js';
import { benchStorage } from './storage.js';

export const SECTIONS: Record<string, () => Promise<string>> = {
  analytics: benchAnalytics,
  fanout: benchFanout,
  ingest: benchIngest,
  dispatch: benchDispatch,
  ceiling: benchCeiling,
  memory: benchMemory,
  overhead: benchOverhead,
  storage: benchStorage,
};

export async function runSections(names: readonly string[]): Promise<void> {
  const began = Date.now();
  for (const name of names) {
    const run = SECTIONS[name];
    if (!run) throw new Error(`no benchmark section "${name}" (known: ${Object.keys(SECTIONS).join(', ')})`);
    const started = new Date();
    const onMachine = machine(); // its load average is the one at the start
    const notes = PIPELINE_NOTES[name];
    const body = `${await run()}${notes ? `\n\n${notes}` : ''}`;
    const took = ((Date.now() - started.getTime()) / 1000).toFixed(0);
    writeSection(name, `${body}\n\nMeasured ${started.toISOString()} with \`npm run bench -- ${name}\` (${took} s) on ${onMachine}.`);
    console.log(`bench: ${name} took ${took} s`);
  }
  console.log(`bench: ${names.join(', ')} took ${((Date.now() - began) / 1000).toFixed(0)} s in all`);
}

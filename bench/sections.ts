/**
 * `npm run bench -- fanout` (or `ingest`) runs only those sections, each refreshing its own part of BENCHMARKS.md;
 * plain `npm run bench` runs every section.
 */
import { benchAnalytics } from './analytics.js';
import { benchFanout } from './fanout.js';
import { benchIngest } from './ingest.js';
import { machine, writeSection } from './report.js';

export const SECTIONS: Record<string, () => Promise<string>> = { analytics: benchAnalytics, fanout: benchFanout, ingest: benchIngest };

export async function runSections(names: readonly string[]): Promise<void> {
  for (const name of names) {
    const run = SECTIONS[name];
    if (!run) throw new Error(`no benchmark section "${name}" (known: ${Object.keys(SECTIONS).join(', ')})`);
    const started = new Date();
    const body = await run();
    writeSection(name, `${body}\n\nMeasured ${started.toISOString()} with \`npm run bench -- ${name}\` on ${machine()}.`);
  }
}

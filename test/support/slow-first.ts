// Vitest sequencer: the files known to take longest (processes of their own, many real Claude Code runs) start
// first, so that with two files at a time the run does not end on one long file while the other worker idles.
// Vitest's own order (failed, then longest, from node_modules/.vite's results cache) covers the rest; that cache
// only knows the files of the last run on this checkout, and a fresh checkout has none.
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Longest first, as measured on the 2-core machine; a folder ends with '/'. */
export const SLOW_FIRST = [
  'test/cluster.test.ts',
  'test/crash-recovery.test.ts',
  'test/faults-sigkill.test.ts',
  'test/rolling-restart.test.ts',
  'test/e2e/',
  'test/fan-out.test.ts',
  'test/huge-reply.test.ts',
  'test/claude-tasks-sync.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const file = path.relative(this.ctx.config.root, spec.moduleId).split(path.sep).join('/');
      const i = SLOW_FIRST.findIndex((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    // Array.prototype.sort is stable: within a rank, Vitest's order stays.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { STDERR_LINE_BYTES, startClaudeRun } from './claude-run.js';
import { HelperSpawner } from './spawner.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-fake-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A stand-in for the CLI: writes 64 MB to stderr as one line (in 1 MB writes), then a short line, and fails. */
function fakeCli(): string {
  const file = path.join(dir, 'claude');
  fs.writeFileSync(
    file,
    `#!${process.execPath}
const mb = 'x'.repeat(1024 * 1024);
let left = 64;
(function more() {
  while (left > 0) {
    left--;
    if (!process.stderr.write(mb)) return process.stderr.once('drain', more);
  }
  process.stderr.write('\\nthe reason it failed\\n', () => process.exit(3));
})();
`,
    { mode: 0o755 },
  );
  return file;
}

describe('the Claude Code child', () => {
  it('keeps only the first few KB of a huge stderr line, with a marker, and the lines after it', async () => {
    const run = startClaudeRun({ claudePath: fakeCli(), cwd: dir, prompt: 'hi', env: { PATH: process.env.PATH ?? '' } }, () => undefined);
    const ended = await run.done;
    expect(ended.exitCode).toBe(3);
    const [huge = '', reason] = ended.stderrTail.split('\n');
    expect(huge.length).toBeLessThan(STDERR_LINE_BYTES + 100);
    expect(huge.startsWith('x'.repeat(STDERR_LINE_BYTES))).toBe(true);
    expect(huge).toContain(`(${64 * 1024 * 1024 - STDERR_LINE_BYTES} more bytes of this line not kept)`);
    expect(reason).toBe('the reason it failed');
  }, 60_000);

  it('ends when the child writes nothing and exits at once, through the spawn helper (its output pipes may end before anyone reads them)', async () => {
    // A handed-over pipe starts reading as it arrives: a child that exited without output had its stdout ended and
    // closed before the run listened, and the run waited for that close forever (a service's shutdown hung on it).
    const spawner = new HelperSpawner(createLogger(loadConfig({ LOG_LEVEL: 'silent' })));
    try {
      for (let i = 0; i < 10; i++) {
        const run = startClaudeRun({ claudePath: '/bin/false', cwd: dir, prompt: 'hi', env: {} }, () => undefined, 5000, spawner);
        expect(await run.done).toMatchObject({ exitCode: 1, signal: null, stderrTail: '' });
      }
    } finally {
      spawner.close();
    }
  }, 60_000);
});

import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/support/slow-first.js';

// Integration tests start real Claude Code children, PostgreSQL schemas and Redis prefixes; the machine has two
// cores, so test files run two at a time and each test may take a while. Dashboard component tests
// (web/src/**/*.test.tsx) pick jsdom with a `// @vitest-environment jsdom` comment.
export default defineConfig({
  esbuild: { jsx: 'automatic' },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.tsx'],
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    setupFiles: ['test/support/setup.ts'],
    // Transpiles the service once, for the tests that start it as processes of their own.
    globalSetup: ['test/support/service-build.ts'],
    // The longest files first (test/support/slow-first.ts).
    sequence: { sequencer: SlowFirstSequencer },
  },
});

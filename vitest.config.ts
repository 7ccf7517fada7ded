import { defineConfig } from 'vitest/config';

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
  },
});

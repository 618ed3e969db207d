import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (src/**/*.test.ts) and need no root.
// Integration tests (test/**/*.test.ts) run real containers; they skip with a reason when not root.
export default defineConfig({
  // What tsup defines in the CLI build, for unit tests that load the CLI's sources.
  define: { __SKIFF_VERSION__: JSON.stringify('0.0.0-test') },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/leftovers.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
  },
});

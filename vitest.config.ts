import { randomBytes } from 'node:crypto';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// Four projects:
//   unit         src/**/*.test.ts beside the code, no root needed (`pnpm test:unit`); the few cases in them that
//                mount or chown skip with their reason when not root.
//   fuzz         src/**/*.fuzz.test.ts, the property-based parser suites (`pnpm test:fuzz`).
//   integration  test/**/*.test.ts: real containers as root; they skip with a reason when not root.
//   compat       compat/**/*.test.ts: docker-compatibility scenarios run against skiff and, where installed, podman.
// `pnpm test` runs all three. The leftover check (test/leftovers.ts) is the root config's global setup, so it runs
// once around every project, and only looks at this run's own state: SKIFF_TEST_RUN names it (see test/support.ts).
process.env.SKIFF_TEST_RUN ??= randomBytes(3).toString('hex');
// Containers of tests that do not test networking get `--network none` (docker's default is bridge): a bridge
// is host-wide state, and ~900 runs each making a veth pair, a namespace and an address on one shared bridge
// would be slower, would contend on one network lock across parallel files, and would use the host default
// names (skiff0, table skiff) that no test owns. The network tests give their roots their own bridge, subnet,
// table and interface prefix (apps/cli/test/network-sandbox.ts) with "default": "bridge" in config.json.
process.env.SKIFF_DEFAULT_NETWORK ??= 'none';

const PACKAGES = ['packages/*', 'apps/*', 'examples/*'];
const under = (folder: string, file: string) => PACKAGES.map((pkg) => `${pkg}/${folder}/**/${file}`);

const project = (name: string, include: string[], exclude: string[] = []): TestProjectInlineConfiguration => ({
  // What tsup defines in the CLI build, for tests that load the CLI's sources.
  define: { __SKIFF_VERSION__: JSON.stringify('0.0.0-test') },
  test: {
    name,
    include,
    exclude: ['**/node_modules/**', '**/dist/**', ...exclude],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

export default defineConfig({
  test: {
    projects: [
      project('unit', under('src', '*.test.ts'), ['**/*.fuzz.test.ts']),
      project('fuzz', under('src', '*.fuzz.test.ts')),
      project('integration', [...under('test', '*.test.ts'), 'test/**/*.test.ts']),
      project('compat', under('compat', '*.test.ts')),
    ],
    globalSetup: ['test/leftovers.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
  },
});

// What one suite run names its host state with. No vitest import: the global setup (test/leftovers.ts) uses it too.
import { randomBytes } from 'node:crypto';

/**
 * Everything one suite run creates on the host is named with this prefix: its temp dirs under os.tmpdir() and
 * its cgroup parents. vitest.config.ts sets SKIFF_TEST_RUN once per run (workers inherit it), so the leftover
 * check (test/leftovers.ts) looks at this run's state only, never at another run's or a user's containers.
 */
export function suitePrefix(run = process.env.SKIFF_TEST_RUN ?? 'norun'): string {
  return `skiff-test-${run}-`;
}

/**
 * The label of the temp dirs the CLI tests write the `skiff` launcher into (apps/cli/test/cli.ts), one per test
 * file's worker: the global teardown removes this run's (test/leftovers.ts).
 */
export const LAUNCHER_DIR = 'launcher-';

/** A cgroup parent name of this run: skiff-test-<run>-<label><random>. */
export function suiteCgroupParent(label = ''): string {
  return `${suitePrefix()}${label}${randomBytes(4).toString('hex')}`;
}

/**
 * Interface names are at most 15 characters, too short for the prefix: the run's interfaces (bridges, veths)
 * begin with s<run>, 7 characters at most; its network namespaces and nft tables with suitePrefix().
 */
export function suiteIfPrefix(run = process.env.SKIFF_TEST_RUN ?? 'norun'): string {
  return `s${run.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 6)}`;
}

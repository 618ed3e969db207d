// Shared helpers for the tests: root guard, this run's naming, and per-test temporary state roots.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { suitePrefix } from './naming.js';

export { LAUNCHER_DIR, suiteCgroupParent, suiteIfPrefix, suitePrefix } from './naming.js';

const warned = new Set<string>();

/**
 * True when the suite may run real containers. Otherwise prints why (once per reason) and returns false: use it
 * as `it.runIf(requiresRoot('...'))` or `describe.runIf(...)` so the test is reported as skipped.
 */
export function requiresRoot(what = 'this test runs real containers'): boolean {
  if (process.getuid?.() === 0) return true;
  if (!warned.has(what)) console.warn(`skipped: ${what} and needs root (run the suite as root)`);
  warned.add(what);
  return false;
}

/**
 * A fresh temp directory, os.tmpdir()/skiff-test-<run>-<label>XXXXXX, removed after the current test; refuses to
 * remove one that still holds a mount. `prefix` names what it is for (a leading "skiff-test-" is implied).
 */
export function tempDir(prefix = 'skiff-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), suitePrefix() + prefix.replace(/^skiff-test-/, '')));
  onTestFinished(() => {
    const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((line) => line.split(' ')[4]?.startsWith(dir));
    if (mounted) throw new Error(`a mount is still inside ${dir}; not removing it`);
    removeTree(dir);
  });
  return dir;
}

/** rm -rf that also works without root on a tree with read-only directories (a test of modes leaves them). */
// A detached container's supervisor runs its exit command when `rm -f` kills it: that command may still be
// writing the state root while the tree goes, so ENOTEMPTY is retried (rmSync's own retry, its delay growing by
// 50 ms each time: 10 s in all, as that command takes seconds to start on a machine loaded ~15 deep) rather than failed.
const removal = { recursive: true, force: true, maxRetries: 20, retryDelay: 50 } as const;

function removeTree(dir: string): void {
  try {
    rmSync(dir, removal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
    makeWritable(dir);
    rmSync(dir, removal);
  }
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) makeWritable(join(dir, entry.name));
}

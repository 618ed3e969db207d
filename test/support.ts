// Shared helpers for the integration tests: root guard and per-test temporary state roots.
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** True when the suite may run real containers. Prints why not, once per reason. */
export function requiresRoot(what = 'this test runs real containers'): boolean {
  if (process.getuid?.() === 0) return true;
  console.warn(`skipped: ${what} and needs root (run the suite as root)`);
  return false;
}

/** A fresh temp directory removed after the current test; refuses to remove one that still holds a mount. */
export function tempDir(prefix = 'skiff-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => {
    const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((line) => line.split(' ')[4]?.startsWith(dir));
    if (mounted) throw new Error(`a mount is still inside ${dir}; not removing it`);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** What both conformance suites need: a driver context, a scratch directory, a real mount namespace. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished, type TestContext } from 'vitest';
import { mountPointsUnder } from '../mountinfo.js';
import type { Mount } from '../mount.js';
import type { DriverContext, Support } from '../driver-context.js';

/** The context the suites use unless told otherwise: driver root and run root inside the test's temp dir. */
export function defaultTestContext(dir: string): DriverContext {
  return { root: join(dir, 'driver'), runRoot: join(dir, 'run'), isContainerActive: async () => false };
}

/**
 * A fresh scratch directory, the driver's context in it (its root and the run root made, 0700, as skiff makes
 * them) and the factory's driver.
 */
export async function setupDriver<D>(
  kind: string,
  factory: { create(context: DriverContext): D },
  makeContext: (dir: string) => DriverContext | Promise<DriverContext>,
): Promise<{ dir: string; context: DriverContext; driver: D }> {
  const dir = scratchDir(kind);
  const context = await makeContext(dir);
  mkdirSync(context.root, { recursive: true, mode: 0o700 });
  mkdirSync(context.runRoot, { recursive: true, mode: 0o700 });
  return { dir, context, driver: factory.create(context) };
}

/** A temp dir removed after the test; refuses to remove one that still holds a mount. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `skiff-${prefix}-suite-`));
  onTestFinished(() => {
    const mounted = mountPointsUnder(dir);
    if (mounted.length > 0) throw new Error(`a mount is still inside ${dir} (${mounted.join(', ')}); not removing it`);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/**
 * Performs `mounts` with mount(8) in a fresh private mount namespace (`unshare -m`), target '/' on `root` and
 * every other target below it, then runs the shell lines with $ROOT set; returns their stdout. The mounts
 * vanish with the namespace.
 */
export function runInMountNamespace(mounts: Mount[], root: string, lines: string[]): string {
  const script: string[] = ['set -e'];
  const args: string[] = [root];
  const arg = (value: string) => {
    args.push(value);
    return `"\${${args.length}}"`;
  };
  for (const mount of mounts) {
    const target = mount.target === '/' ? '"$1"' : `"$1"${arg(mount.target)}`;
    const type = mount.type === 'bind' ? '' : `-t ${arg(mount.type)} `;
    const opts = mount.options.length > 0 ? `-o ${arg(mount.options.join(','))} ` : '';
    script.push(`mount ${type}${opts}${arg(mount.source)} ${target}`);
  }
  script.push('ROOT="$1"', ...lines);
  return execFileSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script.join('\n'), 'sh', ...args], { encoding: 'utf8' }).trimEnd();
}

/**
 * Skips the running test, printing why, unless it runs as root and the driver's probe says this host can run
 * it (`test.skip()` ends the test). `needs` completes "skipped (NAME): ... needs root".
 */
export async function skipUnlessMountable(test: TestContext, name: string, needs: string, probe: () => Promise<Support>): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.warn(`skipped (${name}): ${needs} needs root`);
    test.skip();
  }
  const support = await probe();
  if (!support.supported) {
    console.warn(`skipped (${name}): the driver cannot run here: ${support.reason}`);
    test.skip();
  }
}

/**
 * Conformance tests for storage drivers, after containerd's snapshot testsuite and moby's graphtest. A driver
 * author calls it from a vitest file:
 *
 *   import { runStorageDriverTests } from '@skiff/plugin/testing';
 *   runStorageDriverTests('zfs', zfsDriverFactory);
 *
 * Every test gets fresh temporary directories and removes them. Tests that need root (a real bind mount, a real
 * mount of the driver's plan in a private mount namespace) skip with the reason printed when not root; the
 * mount test also skips when the driver's probe() says this host cannot run it.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '../errors.js';
import type { DriverContext } from '../driver-context.js';
import type { StorageDriverFactory } from '../storage.js';
import { defaultTestContext, runInMountNamespace, setupDriver, skipUnlessMountable } from './shared.js';

export interface StorageTestOptions {
  /**
   * Mount the driver's plan for real (root only, inside `unshare -m`) and check what the container would see.
   * Default true; it is skipped anyway when not root or when probe() reports the driver unsupported.
   */
  mount?: boolean;
}

export function runStorageDriverTests(
  name: string,
  factory: StorageDriverFactory,
  makeContext: (dir: string) => DriverContext | Promise<DriverContext> = defaultTestContext,
  options: StorageTestOptions = {},
): void {
  async function setup() {
    const { dir, context, driver } = await setupDriver('storage', factory, makeContext);
    return { dir, context, driver, layers: { dirs: makeLayers(join(dir, 'layers')) } };
  }

  describe(`storage driver conformance: ${name}`, () => {
    it('has a v1 contract and its name', async () => {
      const { driver } = await setup();
      expect(driver.specificationVersion).toBe('v1');
      expect(typeof driver.name).toBe('string');
    });

    it('prepare returns the root mount first, with target /, and well-formed mounts', async () => {
      const { driver, layers } = await setup();
      const mounts = await driver.prepare('c1', layers);
      expect(mounts.length).toBeGreaterThan(0);
      expect(mounts[0]?.target).toBe('/');
      for (const mount of mounts) {
        expect(typeof mount.type).toBe('string');
        expect(mount.type.length).toBeGreaterThan(0);
        expect(typeof mount.source).toBe('string');
        expect(mount.target.startsWith('/')).toBe(true);
        expect(Array.isArray(mount.options)).toBe(true);
        for (const option of mount.options) expect(typeof option).toBe('string');
      }
    });

    it('prepare is idempotent: same mounts, and the writable layer survives', async () => {
      const { driver, layers } = await setup();
      const first = await driver.prepare('c1', layers);
      const diff = driver.diffPath('c1');
      if (diff) writeFileSync(join(diff, 'written-by-container'), 'kept');
      const second = await driver.prepare('c1', layers);
      expect(second).toEqual(first);
      if (diff) expect(readFileSync(join(diff, 'written-by-container'), 'utf8')).toBe('kept');
    });

    it('prepare refuses container ids that could leave the driver root', async () => {
      const { driver, layers } = await setup();
      for (const id of ['', '.', '..', '../escape', 'a/b', '/abs', 'x\0y']) {
        const error = await driver.prepare(id, layers).then(() => undefined, (error: unknown) => error);
        expect(SkiffError.is(error, 'INVALID_ARGUMENT'), `prepare(${JSON.stringify(id)})`).toBe(true);
      }
    });

    it('diffPath is a directory inside the driver root after prepare, one per container', async () => {
      const { context, driver, layers } = await setup();
      await driver.prepare('c1', layers);
      await driver.prepare('c2', layers);
      const one = driver.diffPath('c1');
      const two = driver.diffPath('c2');
      if (one === undefined) return; // a driver without a separate writable layer
      expect(lstatSync(one).isDirectory()).toBe(true);
      expect(relative(context.root, one).startsWith('..')).toBe(false);
      expect(two).not.toBe(one);
    });

    it('prepare never modifies the image layers', async () => {
      const { driver, layers } = await setup();
      const before = layers.dirs.map(snapshot);
      await driver.prepare('c1', layers);
      const diff = driver.diffPath('c1');
      if (diff) writeFileSync(join(diff, 'new'), 'x');
      expect(layers.dirs.map(snapshot)).toEqual(before);
    });

    it('remove deletes the container and is idempotent', async () => {
      const { driver, layers } = await setup();
      await driver.prepare('c1', layers);
      const diff = driver.diffPath('c1');
      await driver.remove('c1');
      if (diff) expect(exists(diff)).toBe(false);
      expect(driver.diffPath('c1')).toBeUndefined();
      await expect(driver.remove('c1')).resolves.toBeUndefined();
      await expect(driver.remove('never-prepared')).resolves.toBeUndefined();
      // The layers are still there for the next container.
      for (const layer of layers.dirs) expect(exists(layer)).toBe(true);
    });

    // Regression: deleting a container directory while a volume was still mounted inside it deleted user data.
    it('remove refuses while something is mounted inside the container tree', async (test) => {
      if (process.getuid?.() !== 0) {
        console.warn(`skipped (${name}): the mount-under-tree check makes a real bind mount and needs root`);
        return test.skip();
      }
      const { dir, driver, layers } = await setup();
      await driver.prepare('c1', layers);
      const diff = driver.diffPath('c1');
      if (!diff) return test.skip();
      const userData = join(dir, 'user-data');
      mkdirSync(userData);
      writeFileSync(join(userData, 'precious'), 'keep me');
      const mountPoint = join(diff, 'volume');
      mkdirSync(mountPoint);
      execFileSync('mount', ['--bind', userData, mountPoint]);
      try {
        const error = await driver.remove('c1').then(() => undefined, (error: unknown) => error);
        expect(SkiffError.is(error, 'FAILED_PRECONDITION')).toBe(true);
        expect(readFileSync(join(userData, 'precious'), 'utf8')).toBe('keep me');
      } finally {
        execFileSync('umount', [mountPoint]);
      }
      await driver.remove('c1');
      expect(readFileSync(join(userData, 'precious'), 'utf8')).toBe('keep me');
    });

    it('the mounted root shows the layers top-most first, and writes land in diffPath only', async (test) => {
      if (options.mount === false) return test.skip();
      const { dir, context, driver, layers } = await setup();
      await skipUnlessMountable(test, name, "mounting the driver's plan", () => factory.probe(context));
      const mounts = await driver.prepare('c1', layers);
      const merged = join(dir, 'merged');
      mkdirSync(merged);
      const seen = runInMountNamespace(mounts, merged, [
        'echo "$(cat "$ROOT/shared")"',
        'echo "$(cat "$ROOT/etc/os-release")"',
        'readlink "$ROOT/link"',
        'echo written > "$ROOT/new-file"',
        'echo changed > "$ROOT/etc/os-release"',
        'rm "$ROOT/bottom-only"',
      ]);
      expect(seen.split('\n')).toEqual(['from top', 'bottom os', '/etc/os-release']);
      const diff = driver.diffPath('c1');
      if (diff) expect(readFileSync(join(diff, 'new-file'), 'utf8')).toBe('written\n');
      expect(readFileSync(join(layers.dirs[1] as string, 'etc/os-release'), 'utf8')).toBe('bottom os');
      expect(exists(join(layers.dirs[1] as string, 'bottom-only'))).toBe(true);
      expect(exists(join(merged, 'new-file'))).toBe(false); // the mount lived only in the private namespace
      // A second prepare (start after stop) sees the container's earlier changes.
      const again = runInMountNamespace(await driver.prepare('c1', layers), merged, ['cat "$ROOT/new-file"', 'ls "$ROOT"']);
      expect(again).toContain('written');
      expect(again).not.toContain('bottom-only');
    });
  });
}


/** Two layers, top-most first: top shadows bottom's `shared`; bottom has a symlink and a file to delete. */
function makeLayers(base: string): string[] {
  const top = join(base, 'top');
  const bottom = join(base, 'bottom');
  mkdirSync(join(top, 'etc'), { recursive: true });
  mkdirSync(join(bottom, 'etc'), { recursive: true });
  writeFileSync(join(bottom, 'etc/os-release'), 'bottom os');
  writeFileSync(join(bottom, 'shared'), 'from bottom');
  writeFileSync(join(bottom, 'bottom-only'), 'x');
  symlinkSync('/etc/os-release', join(bottom, 'link'));
  writeFileSync(join(top, 'shared'), 'from top');
  writeFileSync(join(top, 'top-only'), 'y');
  return [top, bottom];
}

function snapshot(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (relativeDir: string) => {
    for (const name of readdirSync(join(dir, relativeDir))) {
      const path = join(relativeDir, name);
      const info = lstatSync(join(dir, path));
      if (info.isDirectory()) walk(path);
      result[path] = info.isSymbolicLink()
        ? `-> ${readlinkSync(join(dir, path))}`
        : `${info.mode.toString(8)} ${info.isFile() ? readFileSync(join(dir, path), 'utf8') : ''}`;
    }
  };
  walk('');
  return result;
}

const exists = (path: string) => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};


/**
 * Conformance tests for volume drivers, like the storage driver suite. A driver author calls it from vitest:
 *
 *   import { runVolumeDriverTests } from '@skiff/plugin/testing';
 *   runVolumeDriverTests('nfs', nfsVolumeDriverFactory);
 *
 * Each test gets fresh temporary directories and removes them. The real-mount test (root only, in a private
 * mount namespace) skips with the reason printed when not root or when probe() says the host cannot run it.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '../errors.js';
import type { DriverContext } from '../driver-context.js';
import type { VolumeDriverFactory, VolumeRequest } from '../volume.js';
import { defaultTestContext, runInMountNamespace, setupDriver, skipUnlessMountable } from './shared.js';

export interface VolumeTestOptions {
  /** Whether what the container writes lands in the host directory `request.source` (true for bind and overlay). */
  writesLandInSource?: boolean;
  /** Driver options to put in every request. */
  requestOptions?: Record<string, string>;
  /**
   * What `request.source` is: 'path' (default), a host directory the driver may create (bind, overlay); or
   * 'name', a volume name the driver manages itself (a tmpfs driver, say): the host-directory tests are skipped.
   */
  source?: 'path' | 'name';
}

export function runVolumeDriverTests(
  name: string,
  factory: VolumeDriverFactory,
  makeContext: (dir: string) => DriverContext | Promise<DriverContext> = defaultTestContext,
  options: VolumeTestOptions = {},
): void {
  const byName = options.source === 'name';
  async function setup() {
    const { dir, context, driver } = await setupDriver('volume', factory, makeContext);
    const image = join(dir, 'image');
    mkdirSync(join(image, 'data'), { recursive: true });
    writeFileSync(join(image, 'data/from-image'), 'image file');
    const request = (overrides: Partial<VolumeRequest> = {}): VolumeRequest => ({
      ref: 'c1',
      source: byName ? 'vol1' : join(dir, 'host/data'),
      target: '/data',
      readOnly: false,
      options: { ...(options.requestOptions ?? {}) },
      imagePath: join(image, 'data'),
      scratchDir: join(dir, 'scratch', overrides.ref ?? 'c1'),
      ...overrides,
    });
    return { dir, context, driver, request };
  }

  describe(`volume driver conformance: ${name}`, () => {
    it('has a v1 or v2 contract and its name', async () => {
      const { driver } = await setup();
      expect(['v1', 'v2']).toContain(driver.specificationVersion);
      expect(typeof driver.name).toBe('string');
    });

    it('mount returns well-formed mounts at the requested target', async () => {
      const { driver, request } = await setup();
      const mounts = await driver.mount(request());
      expect(mounts.length).toBeGreaterThan(0);
      for (const mount of mounts) {
        expect(mount.target).toBe('/data');
        expect(typeof mount.type).toBe('string');
        expect(typeof mount.source).toBe('string');
        for (const option of mount.options) expect(typeof option).toBe('string');
      }
      await driver.unmount(request());
    });

    it('readOnly makes every mount ro, and its absence never does', async () => {
      const { driver, request } = await setup();
      for (const mount of await driver.mount(request({ readOnly: true }))) expect(mount.options).toContain('ro');
      await driver.unmount(request({ readOnly: true }));
      for (const mount of await driver.mount(request())) expect(mount.options).not.toContain('ro');
      await driver.unmount(request());
    });

    // Regression: host directories created 0777 (or failing when they existed).
    it.skipIf(byName)('creates a missing host directory, and its missing parents, 0755 whatever the umask', async () => {
      const { dir, driver, request } = await setup();
      const previous = process.umask(0o077);
      try {
        await driver.mount(request({ source: join(dir, 'deep/new/dir') }));
      } finally {
        process.umask(previous);
      }
      for (const path of ['deep', 'deep/new', 'deep/new/dir']) expect(statSync(join(dir, path)).mode & 0o7777, path).toBe(0o755);
      // An existing directory is fine too.
      await driver.unmount(request({ source: join(dir, 'deep/new/dir') }));
      await expect(driver.mount(request({ source: join(dir, 'deep/new/dir') }))).resolves.toBeDefined();
      await driver.unmount(request({ source: join(dir, 'deep/new/dir') }));
    });

    it.skipIf(byName)('mount and unmount never delete or change what is in the host directory', async () => {
      const { dir, driver, request } = await setup();
      const host = join(dir, 'host/data');
      mkdirSync(join(host, 'sub'), { recursive: true });
      writeFileSync(join(host, 'precious'), 'keep');
      writeFileSync(join(host, 'sub/nested'), 'keep too');
      await driver.mount(request());
      await driver.unmount(request());
      await driver.unmount(request());
      expect(readdirSync(host).sort()).toEqual(['precious', 'sub']);
      expect(readFileSync(join(host, 'sub/nested'), 'utf8')).toBe('keep too');
    });

    it('unmount resolves when there is nothing to release', async () => {
      const { driver, request } = await setup();
      await expect(driver.unmount(request())).resolves.toBeUndefined();
      await expect(driver.unmount(request({ source: '/nonexistent/skiff/volume' }))).resolves.toBeUndefined();
    });

    it('refuses relative host paths, and a volume over the container root, with INVALID_ARGUMENT', async () => {
      const { driver, request } = await setup();
      const badTargets = [request({ target: '/' }), request({ target: 'relative' }), request({ target: '/a/../etc' })];
      const badSources = byName ? [] : [request({ source: 'relative/dir' }), request({ source: '/a/../etc' })];
      for (const bad of [...badTargets, ...badSources]) {
        const error = await driver.mount(bad).then(() => undefined, (error: unknown) => error);
        expect(SkiffError.is(error, 'INVALID_ARGUMENT'), JSON.stringify(bad)).toBe(true);
      }
    });

    it('a container writing through the mounted volume changes the host directory', async (test) => {
      const { dir, context, driver, request } = await setup();
      await skipUnlessMountable(test, name, 'mounting the volume for real', () => factory.probe(context));
      const root = join(dir, 'rootfs');
      mkdirSync(join(root, 'data'), { recursive: true });
      const mounts = await driver.mount(request());
      const out = runInMountNamespace(mounts, root, ['echo hello > "$ROOT/data/written"', 'ls "$ROOT/data"']);
      await driver.unmount(request());
      expect(out.split('\n')).toContain('written');
      if (options.writesLandInSource !== false && !byName) expect(readFileSync(join(dir, 'host/data/written'), 'utf8')).toBe('hello\n');
      expect(existsSync(join(root, 'data/written'))).toBe(false);
      // Read-only: the write fails.
      const readOnly = await driver.mount(request({ readOnly: true }));
      const result = runInMountNamespace(readOnly, root, ['if (echo no > "$ROOT/data/refused") 2>/dev/null; then echo wrote; else echo refused; fi']);
      await driver.unmount(request({ readOnly: true }));
      expect(result).toBe('refused');
    });
  });
}



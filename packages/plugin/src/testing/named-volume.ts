/**
 * Conformance tests for the named-volume lifecycle of a v2 volume driver (create, inspect, list, remove,
 * mount by name). A driver author runs it next to runVolumeDriverTests:
 *
 *   import { runNamedVolumeDriverTests } from '@skiff/plugin/testing';
 *   runNamedVolumeDriverTests('nfs', nfsVolumeDriverFactory, undefined, { createOptions: { server: '127.0.0.1' } });
 *
 * The real-mount test (root only, in a private mount namespace) skips with the reason printed when not root
 * or when probe() says the host cannot run the driver.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '../errors.js';
import type { DriverContext } from '../driver-context.js';
import { providesNamedVolumes, type VolumeDriverFactory, type VolumeDriverV2, type VolumeRequest } from '../volume.js';
import { defaultTestContext, runInMountNamespace, setupDriver, skipUnlessMountable } from './shared.js';

export interface NamedVolumeTestOptions {
  /** Options for every create (a driver that needs some, a server address say). */
  createOptions?: Record<string, string>;
  /** Whether data written by one mount is seen by the next (false for a tmpfs-per-mount driver). */
  persists?: boolean;
  /** The driver also serves host-path volumes (v1 requests): mount takes an absolute source as a path, not a name. */
  hostPaths?: boolean;
}

/** Names every driver must refuse: path separators, dot names, NUL, too long, empty, leading punctuation. */
export const BAD_VOLUME_NAMES = ['', '.', '..', 'a/b', '../x', '/abs', 'a\0b', 'x'.repeat(256), '-dash', '.hidden', 'sp ace'];

export function runNamedVolumeDriverTests(
  name: string,
  factory: VolumeDriverFactory,
  makeContext: (dir: string) => DriverContext | Promise<DriverContext> = defaultTestContext,
  options: NamedVolumeTestOptions = {},
): void {
  const createOptions = options.createOptions ?? {};
  async function setup() {
    const { dir, context, driver } = await setupDriver('named-volume', factory, makeContext);
    if (!providesNamedVolumes(driver)) throw new Error(`${name}: specificationVersion ${driver.specificationVersion} provides no named volumes (v2)`);
    const request = (overrides: Partial<VolumeRequest> = {}): VolumeRequest => ({
      ref: 'c1',
      source: 'vol1',
      target: '/data',
      readOnly: false,
      options: {},
      imagePath: undefined,
      scratchDir: join(dir, 'scratch', overrides.ref ?? 'c1'),
      ...overrides,
    });
    return { dir, context, driver: driver as VolumeDriverV2, request };
  }

  describe(`named volume driver conformance: ${name}`, () => {
    it('has the v2 contract and a scope', async () => {
      const { driver } = await setup();
      expect(driver.specificationVersion).toBe('v2');
      expect(['local', 'global']).toContain(driver.capabilities().scope);
    });

    it('create, inspect, list and remove agree', async () => {
      const { driver } = await setup();
      expect(await driver.inspect('vol1')).toBeUndefined();
      const created = await driver.create({ name: 'vol1', options: createOptions });
      expect(created.name).toBe('vol1');
      expect(Number.isNaN(Date.parse(created.createdAt))).toBe(false);
      expect(created.options).toEqual(createOptions);
      expect(await driver.inspect('vol1')).toEqual(created);
      expect((await driver.list()).map((v) => v.name)).toEqual(['vol1']);
      await driver.remove('vol1');
      expect(await driver.inspect('vol1')).toBeUndefined();
      expect(await driver.list()).toEqual([]);
      await expect(driver.remove('vol1')).resolves.toBeUndefined();
    });

    it('creating an existing name returns the volume unchanged', async () => {
      const { driver } = await setup();
      const first = await driver.create({ name: 'vol1', options: createOptions });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await driver.create({ name: 'vol1', options: createOptions })).toEqual(first);
    });

    it('concurrent creates of one name make one volume', async () => {
      const { driver, context } = await setup();
      const others = Array.from({ length: 5 }, () => factory.create(context) as VolumeDriverV2);
      const results = await Promise.all([driver, ...others].map((d) => d.create({ name: 'same', options: createOptions })));
      for (const result of results) expect(result.createdAt).toBe(results[0]!.createdAt);
      expect((await driver.list()).map((v) => v.name)).toEqual(['same']);
    });

    it('refuses bad names with INVALID_ARGUMENT in every call, creating nothing', async () => {
      const { driver, request } = await setup();
      for (const bad of BAD_VOLUME_NAMES) {
        for (const call of [
          () => driver.create({ name: bad, options: createOptions }),
          () => driver.inspect(bad),
          () => driver.remove(bad),
          ...(options.hostPaths && bad.startsWith('/') ? [] : [() => driver.mount(request({ source: bad }))]),
        ]) {
          const error = await call().then(() => undefined, (e: unknown) => e);
          expect(SkiffError.is(error, 'INVALID_ARGUMENT'), JSON.stringify(bad)).toBe(true);
        }
      }
      expect(await driver.list()).toEqual([]);
    });

    it('refuses an unknown create option with INVALID_ARGUMENT, creating nothing', async () => {
      const { driver } = await setup();
      const error = await driver.create({ name: 'vol1', options: { ...createOptions, 'no-such-option': 'x' } }).then(() => undefined, (e: unknown) => e);
      expect(SkiffError.is(error, 'INVALID_ARGUMENT')).toBe(true);
      expect(await driver.inspect('vol1')).toBeUndefined();
    });

    it('mounting a volume that does not exist is NOT_FOUND', async () => {
      const { driver, request } = await setup();
      const error = await driver.mount(request({ source: 'missing' })).then(() => undefined, (e: unknown) => e);
      expect(SkiffError.is(error, 'NOT_FOUND')).toBe(true);
    });

    it('a container writing to the volume is seen by the next container', async (test) => {
      const { dir, context, driver, request } = await setup();
      await skipUnlessMountable(test, name, 'mounting the volume for real', () => factory.probe(context));
      await driver.create({ name: 'vol1', options: createOptions });
      const root = join(dir, 'rootfs');
      mkdirSync(join(root, 'data'), { recursive: true });
      const first = await driver.mount(request());
      for (const mount of first) expect(mount.target).toBe('/data');
      runInMountNamespace(first, root, ['echo hello > "$ROOT/data/written"']);
      await driver.unmount(request());
      const second = await driver.mount(request({ ref: 'c2' }));
      const out = runInMountNamespace(second, root, ['cat "$ROOT/data/written" 2>/dev/null || echo missing']);
      await driver.unmount(request({ ref: 'c2' }));
      expect(out).toBe(options.persists === false ? 'missing' : 'hello');
      const readOnly = await driver.mount(request({ ref: 'c3', readOnly: true }));
      for (const mount of readOnly) expect(mount.options).toContain('ro');
      const refused = runInMountNamespace(readOnly, root, ['if (echo no > "$ROOT/data/refused") 2>/dev/null; then echo wrote; else echo refused; fi']);
      await driver.unmount(request({ ref: 'c3', readOnly: true }));
      expect(refused).toBe('refused');
    });
  });
}

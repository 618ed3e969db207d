import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SkiffError, type VolumeRequest } from '@skiff/plugin';
import { tempDir } from '../../../test/support.js';
import { bindDriverFactory, createBindDriver } from './bind.js';
import { runVolumeDriverTests } from '@skiff/plugin/testing';

runVolumeDriverTests('bind', bindDriverFactory);

function setup() {
  const dir = tempDir();
  const driver = createBindDriver({ root: join(dir, 'driver'), runRoot: join(dir, 'run'), isContainerActive: async () => false });
  const request = (overrides: Partial<VolumeRequest> = {}): VolumeRequest => ({
    ref: 'c1',
    source: join(dir, 'host'),
    target: '/data',
    readOnly: false,
    options: {},
    imagePath: undefined,
    scratchDir: join(dir, 'scratch'),
    ...overrides,
  });
  return { dir, driver, request };
}

describe('bind volume driver', () => {
  it('returns an rbind of the host path, rw or ro', async () => {
    const { dir, driver, request } = setup();
    mkdirSync(join(dir, 'host'));
    expect(await driver.mount(request())).toEqual([{ type: 'bind', source: join(dir, 'host'), target: '/data', options: ['rbind', 'rw'], hostPath: { createMode: 0o755 } }]);
    expect(await driver.mount(request({ readOnly: true }))).toEqual([{ type: 'bind', source: join(dir, 'host'), target: '/data', options: ['rbind', 'ro'], hostPath: { createMode: 0o755 } }]);
  });

  it('normalises paths and creates a missing host directory 0755 under a strict umask', async () => {
    const { dir, driver, request } = setup();
    const previous = process.umask(0o777);
    try {
      const [mount] = await driver.mount(request({ source: `${dir}//a/b/`, target: '/data/' }));
      expect(mount).toMatchObject({ source: join(dir, 'a/b'), target: '/data' });
    } finally {
      process.umask(previous);
    }
    expect(statSync(join(dir, 'a')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(dir, 'a/b')).mode & 0o7777).toBe(0o755);
  });

  it('leaves an existing directory alone, and creates nothing under scratchDir', async () => {
    const { dir, driver, request } = setup();
    mkdirSync(join(dir, 'host'), { mode: 0o700 });
    await driver.mount(request());
    expect(statSync(join(dir, 'host')).mode & 0o7777).toBe(0o700);
    expect(existsSync(join(dir, 'scratch'))).toBe(false);
  });

  it('refuses driver options it does not know', async () => {
    const { driver, request } = setup();
    const error = await driver.mount(request({ options: { workdir: '/w' } })).catch((error: unknown) => error);
    expect(SkiffError.is(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toBe('bind volume: unknown option "workdir" (it takes no options)');
  });
});

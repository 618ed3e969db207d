import { describe, expect, it } from 'vitest';
import type { DriverContext } from './driver-context.js';
import { DriverRegistry, type StorageRegistration } from './registry.js';
import type { StorageDriver } from './storage.js';
import { SkiffError } from './errors.js';
import type { VolumeDriver } from './volume.js';

const context = (name: string): DriverContext => ({ root: `/tmp/x/${name}`, runRoot: '/tmp/run', isContainerActive: async () => false });

function storage(name: string, priority: number, supported = true): StorageRegistration {
  return {
    kind: 'storage',
    name,
    priority,
    probe: async () => (supported ? { supported: true } : { supported: false, reason: `${name} is not in this kernel` }),
    create: () => ({ specificationVersion: 'v1', name, prepare: async () => [], remove: async () => {}, diffPath: () => undefined }),
  };
}

describe('DriverRegistry', () => {
  it('picks the supported driver of highest priority when none is named', async () => {
    const registry = new DriverRegistry();
    registry.register(storage('vfs', 10));
    registry.register(storage('aufs', 20, false));
    registry.register(storage('overlay', 30));
    expect(registry.names('storage')).toEqual(['overlay', 'aufs', 'vfs']);
    expect((await registry.resolve('storage', undefined, context)).name).toBe('overlay');
  });

  it('skips unsupported drivers in the priority order', async () => {
    const registry = new DriverRegistry();
    registry.register(storage('aufs', 20, false));
    registry.register(storage('vfs', 10));
    expect((await registry.resolve('storage', undefined, context)).name).toBe('vfs');
  });

  it('refuses a named driver this host cannot run, saying why and what can', async () => {
    const registry = new DriverRegistry();
    registry.register(storage('aufs', 20, false));
    registry.register(storage('overlay', 30));
    const error = await registry.resolve('storage', 'aufs', context).catch((e: unknown) => e);
    expect(SkiffError.is(error, 'NOT_SUPPORTED')).toBe(true);
    expect((error as SkiffError).message).toBe('storage driver "aufs" cannot run here: aufs is not in this kernel');
    expect((error as SkiffError).hint).toBe('available storage drivers: overlay');
  });

  it('asks a driver once per root while it is supported, and again each time while it is not', async () => {
    const registry = new DriverRegistry();
    const asked = { overlay: 0, aufs: 0 };
    for (const [name, supported] of [['overlay', true], ['aufs', false]] as const) {
      const registration = storage(name, 10, supported);
      registry.register({ ...registration, probe: (c) => (asked[name]++, registration.probe(c)) });
    }
    for (let i = 0; i < 3; i++) {
      await registry.resolve('storage', 'overlay', context);
      await registry.resolve('storage', 'aufs', context).catch(() => {});
    }
    expect(asked).toEqual({ overlay: 1, aufs: 3 + 3 }); // aufs: its own probe, then `supported` asks again for the hint
    await registry.resolve('storage', 'overlay', (name) => ({ ...context(name), root: '/elsewhere' }));
    expect(asked.overlay).toBe(2);
  });

  it('refuses a driver whose factory returns another contract version, naming the plugin and the driver', async () => {
    const registry = new DriverRegistry();
    const future = storage('zfs', 50);
    const create = future.create;
    registry.register({ ...future, create: (c) => ({ ...create(c), specificationVersion: 'v2' as 'v1' }) }, { plugin: 'skiff-storage-zfs' });
    registry.register({ ...storage('old', 40), create: () => ({ name: 'old' }) as unknown as StorageDriver });
    registry.register(storage('vfs', 10));
    for (const name of ['zfs', undefined]) {
      const error = await registry.resolve('storage', name, context).catch((e: unknown) => e);
      expect(SkiffError.is(error, 'NOT_SUPPORTED')).toBe(true);
      expect((error as SkiffError).message).toBe(
        'storage driver "zfs" (from plugin "skiff-storage-zfs") implements specificationVersion "v2"; this skiff supports "v1"',
      );
      expect((error as SkiffError).hint).toBe("install a version of skiff-storage-zfs made for skiff's plugin contract v1");
    }
    const old = await registry.resolve('storage', 'old', context).catch((e: unknown) => e);
    expect((old as SkiffError).message).toBe('storage driver "old" (built into skiff) implements specificationVersion undefined; this skiff supports "v1"');
    expect((await registry.resolve('storage', 'vfs', context)).name).toBe('vfs');
  });

  it('rejects duplicate and invalid names, and unknown drivers', () => {
    const registry = new DriverRegistry();
    registry.register(storage('overlay', 1));
    expect(() => registry.register(storage('overlay', 2))).toThrow(/registered twice/);
    expect(() => registry.register(storage('', 2))).toThrow(/invalid/);
    expect(() => registry.register(storage('Bad Name', 2))).toThrow(/invalid/);
    expect(() => registry.get('storage', 'zfs')).toThrow('unknown storage driver "zfs"; available: overlay');
  });

  it('accepts volume drivers of contract v1 and v2, refuses v3', async () => {
    const registry = new DriverRegistry();
    const volume = (name: string, version: string) => ({
      kind: 'volume' as const,
      name,
      probe: async () => ({ supported: true as const }),
      create: () => ({ specificationVersion: version, name, mount: async () => [], unmount: async () => {} }) as unknown as VolumeDriver,
    });
    registry.register(volume('old', 'v1'));
    registry.register(volume('named', 'v2'));
    registry.register(volume('future', 'v3'));
    expect((await registry.resolve('volume', 'old', context)).specificationVersion).toBe('v1');
    expect((await registry.resolve('volume', 'named', context)).specificationVersion).toBe('v2');
    const error = await registry.resolve('volume', 'future', context).catch((e: unknown) => e);
    expect((error as SkiffError).message).toBe('volume driver "future" (built into skiff) implements specificationVersion "v3"; this skiff supports "v1" or "v2"');
  });
});

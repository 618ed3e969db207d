/**
 * Named and anonymous volumes in the container lifecycle: which specs are volumes, creating them with the
 * container (under their locks, so a concurrent `volume rm` sees the container record or finds no volume),
 * docker's copy-up of the image's content into a new volume, and removing anonymous ones with the container.
 */
import { appendEvent } from '../state/events.js';
import { lstatSync, readdirSync } from 'node:fs';
import { invalidArgument, providesNamedVolumes, randomHex, type VolumeSpec } from '@skiff/plugin';
import { VolumeStore } from '@skiff/volumes';
import type { ContainerConfig, ContainerRecord } from '../state/record.js';
import { copyTree } from './copy-tree.js';
import { imagePathOf, volumeDriver, type Host } from './host.js';

/** The driver named volumes get when the spec names none (docker's default). */
export const DEFAULT_NAMED_DRIVER = 'local';

export function volumeStore(host: Host): VolumeStore {
  return new VolumeStore({
    root: host.roots.root,
    runRoot: host.roots.runRoot,
    defaultDriver: DEFAULT_NAMED_DRIVER,
    driver: async (name) => {
      const driver = await volumeDriver(host, name);
      if (!providesNamedVolumes(driver)) throw invalidArgument(`volume driver "${name}" provides no named volumes (it takes host paths)`);
      return driver;
    },
    users: async (name) =>
      (await host.store.list()).filter((record) => record.config.volumes.some((v) => v.volume?.name === name)).map((record) => record.id),
    onEvent: (action, record) => appendEvent(host.roots, 'volume', action, record.name, { driver: record.driver }),
  });
}

/** docker's rule: a source without '/' is a volume name; an empty one asks for an anonymous volume. */
export const isVolumeSpec = (spec: VolumeSpec) => !spec.source.includes('/');

/**
 * The config entry of a named or anonymous volume spec (an anonymous one gets its random name here). The
 * spec's driver options are create options (`-o`, `volume-opt`): kept in `createOptions`, not passed to mount.
 */
export function namedVolumeEntry(spec: VolumeSpec, target: string, createOptions: Map<string, Record<string, string>>): ContainerConfig['volumes'][number] {
  const anonymous = spec.source === '';
  const name = anonymous ? randomHex(32) : spec.source;
  createOptions.set(name, { ...createOptions.get(name), ...spec.options });
  return {
    source: name,
    target,
    readOnly: spec.readOnly,
    options: {},
    driver: spec.driver ?? DEFAULT_NAMED_DRIVER,
    volume: { name, anonymous },
  };
}

/**
 * Runs `write` (which records the container) holding the locks of the config's volumes, after creating those
 * that do not exist yet and filling new ones with the image's content at their target. When anything fails,
 * the volumes made here are removed again: nothing half made is left.
 */
export async function withContainerVolumes<T>(
  host: Host,
  config: ContainerConfig,
  createOptions: Map<string, Record<string, string>>,
  write: () => Promise<T>,
): Promise<T> {
  const entries = config.volumes.filter((v) => v.volume);
  if (entries.length === 0) return write();
  const store = volumeStore(host);
  return store.lockAll(entries.map((v) => v.volume!.name), async () => {
    const made: string[] = [];
    try {
      for (const entry of entries) {
        const name = entry.volume!.name;
        const { created, info, record } = await store.createLocked({ name, driver: entry.driver, options: createOptions.get(name) ?? {} }, entry.volume!.anonymous);
        entry.driver = record.driver;
        if (!created) continue;
        made.push(name);
        const driver = await volumeDriver(host, record.driver);
        if (providesNamedVolumes(driver) && driver.capabilities().showsImageContent) continue; // the image shows through
        await copyUp(host, config.layers, entry.target, info.mountpoint);
      }
      return await write();
    } catch (error) {
      for (const name of made) await store.removeLocked(name, { force: true }).catch(() => {});
      throw error;
    }
  });
}

/**
 * docker's copy-up: a new, empty volume over a directory of the image starts with the image's files there.
 * The helper's copy-tree opens every entry fd-relative without following symlinks, and the source is resolved
 * inside the image layer, so nothing outside the image root is read.
 */
async function copyUp(host: Host, layers: string[], target: string, mountpoint: string): Promise<void> {
  if (!mountpoint) return;
  const from = await imagePathOf(layers, target);
  if (!from) return;
  try {
    if (!lstatSync(from).isDirectory() || readdirSync(mountpoint).length > 0) return;
  } catch {
    return; // a mountpoint we cannot read: nothing to copy into
  }
  await copyTree(host.helper, from, mountpoint);
}

/** Removes the anonymous volumes of a removed container (`rm -v`, `--rm`); never named ones or host paths. */
export async function removeAnonymousVolumes(host: Host, record: ContainerRecord): Promise<void> {
  const store = volumeStore(host);
  for (const volume of record.config.volumes) {
    if (volume.volume?.anonymous) await store.remove(volume.volume.name, { force: true }).catch(() => {});
  }
}

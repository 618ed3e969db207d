import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DriverContext, type DriverKind, type DriverRegistry, type StorageDriver, type VolumeDriver, type VolumeRequest, resolveInRoot } from '@skiff/plugin';
import { containerDir, type Roots } from '../roots.js';
import { isSameProcess } from '../state/proc.js';
import type { ContainerRecord } from '../state/record.js';
import { ContainerStore } from '../state/store.js';
import { lstat } from 'node:fs/promises';
import { ATTACH_SOCKET } from '@skiff/native';
import type { ImageResolver } from './image.js';
import type { NetworkManager } from '@skiff/network';

/**
 * Everything the lifecycle steps share: where state lives, the drivers, the images, the helper binary.
 * One per Runtime; the step modules (create, start, finish, stop, exec, ...) take it as their first argument.
 */
export interface Host {
  roots: Roots;
  store: ContainerStore;
  registry: DriverRegistry;
  images: ImageResolver;
  helper: string;
  /**
   * argv the supervisor of a detached container runs after the container exits, to tear it down (cgroup,
   * volumes, --rm) while no skiff process is alive: typically `skiff --root R --run-root RR cleanup ID`.
   */
  exitCommand?: ((id: string) => string[]) | undefined;
  /** Loaded on first use by a bridged container (lifecycle/network.ts). */
  network?: NetworkManager | undefined;
}

/** Per-container files, next to config.json. */
export const files = (host: Host, id: string) => {
  const dir = containerDir(host.roots, id);
  return {
    dir,
    rootfs: join(dir, 'rootfs'),
    /** Output of the container (attached or detached), in the helper's log record format; rotated to log.1, log.2, ... */
    log: join(dir, 'log'),
    /** Written atomically by the supervisor when the container exits: {"exitCode":N,"finishedAtMs":MS}. */
    exitStatus: join(dir, 'exit.json'),
    /** A detached container's attach socket, served by its supervisor while it runs (c/attach.c). */
    attachSocket: join(dir, ATTACH_SOCKET),
    /** The health check's exec plan (without a target) and its state, written by the supervisor (health-file.ts). */
    healthPlan: join(dir, 'health.plan'),
    healthState: join(dir, 'health'),
    volumeScratch: (index: number) => join(dir, 'volumes', String(index)),
  };
};

/** True when the container's init (pid + start time) is alive. */
export const isAlive = (record: ContainerRecord) => isSameProcess(record.pid, record.pidStartTime);

function driverContext(host: Host, kind: DriverKind) {
  return (name: string): DriverContext => ({
    root: join(host.roots.root, kind === 'storage' ? 'storage' : 'volumes', name),
    runRoot: host.roots.runRoot,
    isContainerActive: async (id) => {
      const record = await host.store.get(id);
      return record?.status === 'running' && isAlive(record);
    },
  });
}

export async function storageDriver(host: Host, name: string | undefined): Promise<StorageDriver> {
  const context = driverContext(host, 'storage');
  const driver = await host.registry.resolve('storage', name, context);
  mkdirSync(context(driver.name).root, { recursive: true, mode: 0o700 });
  return driver;
}

export async function volumeDriver(host: Host, name: string | undefined): Promise<VolumeDriver> {
  const context = driverContext(host, 'volume');
  const driver = await host.registry.resolve('volume', name, context);
  mkdirSync(context(driver.name).root, { recursive: true, mode: 0o700 });
  return driver;
}

/** The driver request for volume `index` of a container: the same on mount and on unmount. */
export async function volumeRequest(host: Host, record: ContainerRecord, index: number): Promise<VolumeRequest> {
  const volume = record.config.volumes[index]!;
  return {
    ref: record.id,
    source: volume.source,
    target: volume.target,
    readOnly: volume.readOnly,
    options: volume.options,
    imagePath: await imagePathOf(record.config.layers, volume.target),
    imagePaths: await imagePathsOf(record.config.layers, volume.target),
    scratchDir: files(host, record.id).volumeScratch(index),
  };
}

/**
 * What each layer holds at `target`, top-most first, resolved inside each layer: every layer that has it as a
 * directory, down to the first where it is something else (a whiteout or a file hides what is below). An
 * opaque directory in a middle layer is not detected (Node cannot read the xattr): the layers below it show too.
 */
export async function imagePathsOf(layers: string[], target: string): Promise<string[]> {
  const paths: string[] = [];
  for (const layer of layers) {
    const path = resolveInRoot(layer, target);
    const info = await lstat(path).catch(() => undefined);
    if (!info) continue; // this layer did not touch it: the ones below still show through
    if (!info.isDirectory()) break;
    paths.push(path);
  }
  return paths;
}

/** Host path of what the image holds at `target` (top-most layer that has it), resolved inside each layer. */
export async function imagePathOf(layers: string[], target: string): Promise<string | undefined> {
  for (const layer of layers) {
    const path = resolveInRoot(layer, target);
    if (await lstat(path).then(() => true, () => false)) return path;
  }
  return undefined;
}

// The plugin API: everything a third-party driver package needs, and nothing else. Dependency-free.
export * from './errors.js';
export type { Mount } from './mount.js';
export type { StorageDriver, StorageDriverFactory, ImageLayers } from './storage.js';
export type { VolumeDriver, VolumeDriverFactory, VolumeRequest } from './volume.js';
export {
  DriverRegistry,
  type DriverContext,
  type DriverKind,
  type Registration,
  type StorageRegistration,
  type VolumeRegistration,
  type Support,
} from './registry.js';
export { definePlugin, assertPlugin, type SkiffPlugin } from './define-plugin.js';
export { mountPointsUnder, mountOf, removeTree, resolveInRoot, readMountInfo, parseMountInfo, MAX_SYMLINKS, type MountInfoEntry } from './fs-safety.js';

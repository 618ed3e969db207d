/**
 * @skiff/plugin: the contract between skiff and its drivers, at the bottom of the package graph. Everything a
 * third-party driver package needs, and nothing of skiff's own: no other skiff package is imported here.
 * Conformance suites for driver authors are in `@skiff/plugin/testing`.
 */
export * from './errors.js';
export type { Mount } from './mount.js';
export { MountFlags, MOUNT_FLAG_WORDS, MOUNT_DATA_MAX, mountDataLength, splitMountOptions } from './mount-options.js';
export type { StorageDriver, StorageDriverFactory, ImageLayers } from './storage.js';
export type {
  VolumeDriver,
  VolumeDriverV1,
  VolumeDriverV2,
  VolumeDriverFactory,
  VolumeRequest,
  VolumeSpec,
  VolumeCapabilities,
  VolumeCreateRequest,
  VolumeInfo,
} from './volume.js';
export { VOLUME_NAME, checkVolumeName, providesNamedVolumes } from './volume.js';
export type { ImageConfig } from './image.js';
export type { DriverContext, Support } from './driver-context.js';
export { DriverRegistry, type DriverKind, type Registration, type StorageRegistration, type VolumeRegistration } from './registry.js';
export { definePlugin, assertPlugin, type SkiffPlugin } from './define-plugin.js';
export { directoryIdentity, removeDirectoryAt, removeTree, resolveInRoot, MAX_SYMLINKS, type DirectoryIdentity } from './fs-safety.js';
export { mountPointsUnder, mountOf, readMountInfo, parseMountInfo, type MountInfoEntry } from './mountinfo.js';
export { FS_MAGIC, filesystemListed, filesystemName, filesystemType, kernelHasFilesystem } from './filesystems.js';
export { withLock, isLocked, type LockOptions } from './lock.js';
export { writeFileAtomic, writeJsonAtomic } from './atomic.js';
export { syncCall } from './sync-fs.js';
export { pollUntil, type PollOptions } from './poll.js';
export { randomHex } from './random.js';

/**
 * Conformance suites for driver authors (`@skiff/plugin/testing`): every built-in driver runs them, and a
 * third-party package runs them from its own vitest file. Needs vitest (a peer dependency of this entry only).
 */
export { runStorageDriverTests, type StorageTestOptions } from './storage.js';
export { runVolumeDriverTests, type VolumeTestOptions } from './volume.js';
export { defaultTestContext, runInMountNamespace } from './shared.js';
export { runNamedVolumeDriverTests, BAD_VOLUME_NAMES, type NamedVolumeTestOptions } from './named-volume.js';

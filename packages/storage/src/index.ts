// Built-in storage drivers. Nothing registers itself: the CLI lists `builtinStorageDrivers` in its builtins.
import type { StorageRegistration } from '@skiff/plugin';
import { aufsDriverFactory } from './aufs.js';
import { overlayDriverFactory } from './overlay.js';
import { vfsDriverFactory } from './vfs.js';

export { createOverlayDriver, overlayDriverFactory, probeOverlay } from './overlay.js';
export { createAufsDriver, aufsDriverFactory, probeAufs, AUFS_MAX_BRANCHES, AUFS_XINO } from './aufs.js';
export { createVfsDriver, vfsDriverFactory } from './vfs.js';

/** Highest priority first when the user names no driver: overlay, then aufs, then the vfs copy fallback. */
export const builtinStorageDrivers: StorageRegistration[] = [
  { kind: 'storage', name: 'overlay', priority: 30, ...overlayDriverFactory },
  { kind: 'storage', name: 'aufs', priority: 20, ...aufsDriverFactory },
  { kind: 'storage', name: 'vfs', priority: 10, ...vfsDriverFactory },
];

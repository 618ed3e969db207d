// Built-in volume drivers. Nothing registers itself: the CLI lists `builtinVolumeDrivers`.
import type { VolumeRegistration } from '@skiff/plugin';
import { bindDriverFactory } from './bind.js';
import { overlayVolumeDriverFactory } from './overlay.js';
import { localVolumeDriverFactory } from './local.js';

export { createBindDriver, bindDriverFactory } from './bind.js';
export { createLocalVolumeDriver, localVolumeDriverFactory, checkLocalOptions } from './local.js';
export { VolumeStore, type VolumeRecord, type VolumeStoreOptions } from './store.js';
export { createOverlayVolumeDriver, overlayVolumeDriverFactory, probeOverlayVolume, upperFilesystemProblem } from './overlay.js';

/**
 * `bind` is the default for host paths (highest priority); `overlay` is chosen by name (`-v SRC:DST:driver=overlay`);
 * `local` is the default for named volumes (the only v2 driver built in).
 */
export const builtinVolumeDrivers: VolumeRegistration[] = [
  { kind: 'volume', name: 'bind', priority: 10, ...bindDriverFactory },
  { kind: 'volume', name: 'overlay', priority: 5, ...overlayVolumeDriverFactory },
  { kind: 'volume', name: 'local', priority: 1, ...localVolumeDriverFactory },
];

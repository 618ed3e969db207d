// Built-in volume drivers. Nothing registers itself: the CLI lists `builtinVolumeDrivers`.
import type { VolumeRegistration } from '@skiff/plugin';
import { bindDriverFactory } from './bind.js';
import { overlayVolumeDriverFactory } from './overlay.js';

export { createBindDriver, bindDriverFactory } from './bind.js';
export { createOverlayVolumeDriver, overlayVolumeDriverFactory, probeOverlayVolume, upperFilesystemProblem } from './overlay.js';

/** `bind` is the default (highest priority); `overlay` is chosen by name (`-v SRC:DST:driver=overlay`). */
export const builtinVolumeDrivers: VolumeRegistration[] = [
  { kind: 'volume', name: 'bind', priority: 10, ...bindDriverFactory },
  { kind: 'volume', name: 'overlay', priority: 5, ...overlayVolumeDriverFactory },
];

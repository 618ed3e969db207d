import type { Registration } from '@skiff/plugin';
import { builtinStorageDrivers } from '@skiff/storage';
import { builtinVolumeDrivers } from '@skiff/volumes';

/** Every driver the CLI ships. Plugins add theirs after these (see plugins.ts). */
export const builtins: Registration[] = [...builtinStorageDrivers, ...builtinVolumeDrivers];

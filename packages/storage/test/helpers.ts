// Helpers the storage drivers' own unit tests share (not exported from the package).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DriverContext } from '@skiff/plugin';
import { tempDir } from '../../../test/support.js';

/** A driver context in a fresh temp dir, its root made; layers can go beside it in `<root>/../layers`. */
export function context(): DriverContext {
  const dir = tempDir();
  const root = join(dir, 'driver');
  mkdirSync(root);
  return { root, runRoot: join(dir, 'run'), isContainerActive: async () => false };
}

/** `count` empty layer directories under `base`, named by index zero-padded to `nameLength` digits. */
export function layers(base: string, count: number, nameLength = 12): string[] {
  return Array.from({ length: count }, (_, index) => {
    const dir = join(base, String(index).padStart(nameLength, '0'));
    mkdirSync(dir, { recursive: true });
    return dir;
  });
}

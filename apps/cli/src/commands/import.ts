import { resolve } from 'node:path';
import { createContext, type GlobalOptions } from '../context.js';

/** `skiff import TARBALL NAME`: prints the new image's id, as `docker import` does. */
export async function importCommand(globals: GlobalOptions, tarball: string, name: string): Promise<void> {
  const { images } = await createContext(globals);
  const image = await images.importTarball(resolve(tarball), name);
  process.stdout.write(`sha256:${image.id}\n`);
}

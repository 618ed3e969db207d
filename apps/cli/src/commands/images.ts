import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createContext, type GlobalOptions } from '../context.js';
import { ago, humanSize, table } from '../format.js';

/** `skiff images`: REPOSITORY TAG IMAGE ID CREATED SIZE, newest first. */
export async function imagesCommand(globals: GlobalOptions, options: { quiet?: boolean }): Promise<void> {
  const { images } = await createContext(globals);
  const list = (await images.list()).sort((a, b) => b.created.localeCompare(a.created));
  if (options.quiet) {
    process.stdout.write(list.map((image) => `${image.id.slice(0, 12)}\n`).join(''));
    return;
  }
  const rows = await Promise.all(
    list.map(async (image) => {
      const [repository = image.name, tag = 'latest'] = image.name.split(':');
      const sizes = await Promise.all(images.layerDirs(image).map((dir) => diskUsage(dir)));
      return [repository, tag, image.id.slice(0, 12), ago(image.created), humanSize(sizes.reduce((a, b) => a + b, 0))];
    }),
  );
  process.stdout.write(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows));
}

/** Apparent size of a directory tree (hard links counted once). */
async function diskUsage(dir: string, seen = new Set<string>()): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const stat = await lstat(path);
    const key = `${stat.dev}:${stat.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    total += entry.isDirectory() ? await diskUsage(path, seen) : stat.size;
  }
  return total;
}

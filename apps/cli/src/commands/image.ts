import { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

/** image inspect, image prune: docker's `image` management commands that have no top-level form. */
export function defineImage(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (!want('image')) return;
  const image = program.command('image').description('manage images');
  image
    .command('inspect')
    .description("print images' details as a JSON array (docker's shape)")
    .argument('<image...>')
    .action(async (references: string[]) => {
      const { createContext } = await import('../context.js');
      const { inspectImage } = await import('@skiff/image');
      const { images } = await createContext(globals());
      const found = [];
      for (const reference of references) found.push(await inspectImage(images, (await images.find(reference)).image));
      process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
    });
  image
    .command('prune')
    .description('remove dangling images and unused layers; with -a, every image no container was made from')
    .option('-a, --all', 'remove all images not used by a container')
    .option('-f, --force', 'do not prompt for confirmation')
    .action(async (options: { all?: boolean; force?: boolean }) => {
      const { pruneImages } = await import('./image-prune.js');
      await pruneImages(globals(), options.all ?? false, options.force ?? false);
    });
}

import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

/**
 * rmi [-f] IMAGE...: docker's rules. A name is untagged; the image goes with its last name. An image id removes
 * the image, refused (unless -f) when several names share it. An image a container was made from is refused
 * unless -f; a running container's image is refused even with -f when named by id. With -f the names go but
 * the layers a container runs on stay. Each failure is one line; the rest are still handled; exit 1 if any failed.
 */
export function defineRmi(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('rmi'))
    program
      .command('rmi')
      .description('remove one or more images')
      .argument('<image...>')
      .option('-f, --force', 'force removal of the image')
      .action(async (references: string[], options: { force?: boolean }) => {
        const { removeImages } = await import('./rmi-plan.js');
        await removeImages(globals(), references, options.force ?? false);
      });
}

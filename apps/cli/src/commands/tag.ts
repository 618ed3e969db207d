import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

/** tag SOURCE TARGET: one more name for an image, as docker tag (prints nothing). */
export function defineTag(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('tag'))
    program
      .command('tag')
      .description('create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
      .argument('<source>', 'SOURCE_IMAGE[:TAG]')
      .argument('<target>', 'TARGET_IMAGE[:TAG]')
      .action(async (source: string, target: string) => {
        const { images } = await (await import('../context.js')).createContext(globals());
        // docker exits 1 for a missing image and a bad name alike.
        await images.tag(source, target).catch(async (error: unknown) => {
          const { describeError } = await import('../errors.js');
          process.stderr.write(`skiff: ${describeError(error)}\n`);
          process.exitCode = 1;
        });
      });
}

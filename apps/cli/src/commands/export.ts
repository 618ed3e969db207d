import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

export function defineExport(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('export'))
    program
      .command('export')
      .description("write a container's root filesystem as a tar archive (to stdout, or -o FILE)")
      .argument('<container>')
      .option('-o, --output <file>', 'write to a file instead of stdout')
      .action(async (reference: string, options: { output?: string }) => {
        const { createContext } = await import('../context.js');
        const { runtime } = await createContext(globals());
        if (!options.output && process.stdout.isTTY) {
          const { invalidArgument } = await import('@skiff/plugin');
          throw invalidArgument('refusing to write a tar archive to a terminal; use -o FILE or redirect the output');
        }
        await runtime.export(reference, options.output ?? process.stdout);
      });
}

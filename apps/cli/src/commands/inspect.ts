import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

export function defineInspect(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('inspect'))
    program
      .command('inspect')
      .description('print containers\' configuration and state as a JSON array')
      .argument('<container...>')
      .action(async (references: string[]) => {
        const { createContext } = await import('../context.js');
        const { runtime } = await createContext(globals());
        const found = await Promise.all(references.map((reference) => runtime.inspect(reference)));
        process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
      });
}

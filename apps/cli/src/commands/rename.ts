import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

const runtimeOf = async (globals: GlobalOptions) => (await (await import('../context.js')).createContext(globals)).runtime;

/** rename, diff: small container commands. */
export function defineRename(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('rename'))
    program
      .command('rename')
      .description('rename a container')
      .argument('<container>')
      .argument('<new-name>')
      .action(async (reference: string, name: string) => {
        await (await runtimeOf(globals())).rename(reference, name);
      });

  if (want('diff'))
    program
      .command('diff')
      .description("list the files a container added (A), changed (C) or deleted (D) against its image")
      .argument('<container>')
      .action(async (reference: string) => {
        const changes = await (await runtimeOf(globals())).changes(reference);
        process.stdout.write(changes.map((change) => `${change.kind} ${change.path}\n`).join(''));
      });
}

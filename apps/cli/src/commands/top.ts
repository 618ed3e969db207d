import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

/**
 * docker top: the host's `ps` with the given options (default -ef), keeping the rows of the container's
 * processes (the pids in its cgroup), as docker's daemon does.
 */
export function defineTop(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('top'))
    program
      .command('top')
      .description("show a running container's processes (host ps options, default -ef)")
      .argument('<container>')
      .argument('[ps-options...]', 'options for ps, e.g. -o pid,user,args')
      .passThroughOptions()
      .action(async (reference: string, psOptions: string[]) => {
        const [{ createContext }, { processTable }, { tabwrite }] = await Promise.all([import('../context.js'), import('@skiff/core'), import('../template/index.js')]);
        const { runtime } = await createContext(globals());
        const record = await runtime.store.resolve(reference);
        const { titles, processes } = processTable(record.name, await runtime.pids(record.id), psOptions);
        // docker's top table: min width 20, padding 3.
        process.stdout.write(tabwrite([titles, ...processes].map((fields) => `${fields.join('\t')}\n`).join(''), 20));
      });
}

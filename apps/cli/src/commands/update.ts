import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';
import type { ResourceFlags } from '../flags/resources.js';

/** docker update: the resources of containers, running or not (kept for their next starts). */
export function defineUpdate(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('update'))
    program
      .command('update')
      .description('change the resource limits of containers (applied at once to running ones)')
      .argument('<container...>')
      .option('-m, --memory <bytes>', 'memory limit (b, k, m, g suffixes); swap is limited to the same unless --memory-swap')
      .option('--memory-swap <bytes>', 'memory + swap limit; -1 for unlimited swap')
      .option('--cpus <number>', 'number of CPUs (fractional: 0.5)')
      .option('-c, --cpu-shares <number>', 'relative CPU weight')
      .option('--cpuset-cpus <list>', 'CPUs the container may use (0-1, 0,2)')
      .option('--cpuset-mems <list>', 'memory nodes the container may use')
      .option('--pids-limit <number>', 'maximum number of processes (-1 for unlimited)')
      .action(async (references: string[], flags: ResourceFlags) => {
        const { resourcesFromFlags } = await import('../flags/resources.js');
        const resources = resourcesFromFlags(flags);
        if (Object.keys(resources).length === 0) {
          const { invalidArgument } = await import('@skiff/plugin');
          throw invalidArgument('you must provide one or more flags when using this command');
        }
        const { each } = await import('./each.js');
        const { runtime } = await (await import('../context.js')).createContext(globals());
        await each(references, async (reference) => {
          for (const warning of await runtime.update(reference, resources)) process.stderr.write(`skiff: warning: ${warning}\n`);
        });
      });
}

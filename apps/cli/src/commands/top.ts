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
        const [{ createContext }, { SkiffError }] = await Promise.all([import('../context.js'), import('@skiff/plugin')]);
        const { runtime } = await createContext(globals());
        const record = await runtime.store.resolve(reference);
        const pids = new Set(await runtime.pids(record.id));
        if (pids.size === 0) throw new SkiffError('FAILED_PRECONDITION', `container ${record.name} is not running`, { exitCode: 1 });
        const { spawnSync } = await import('node:child_process');
        const ps = spawnSync('ps', psOptions.length ? psOptions : ['-ef'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
        if (ps.status !== 0) {
          const why = ps.error?.message ?? ps.stderr.split('\n')[0] ?? '';
          throw new SkiffError('INVALID_ARGUMENT', `ps ${psOptions.join(' ')} failed: ${JSON.stringify(why).slice(1, -1)}`, { exitCode: 1 });
        }
        const { topTable } = await import('./top-table.js');
        process.stdout.write(topTable(ps.stdout, pids));
      });
}

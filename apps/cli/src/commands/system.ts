import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

const runtimeOf = async (globals: GlobalOptions) => (await (await import('../context.js')).createContext(globals)).runtime;

export function defineSystem(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('system')) {
    const system = program.command('system').description('manage skiff itself');
    system
      .command('prune')
      .description('reconcile saved state with reality and remove stopped containers (volume data only with --volumes)')
      .option('--volumes', 'also remove unused anonymous volumes (docker: prune volumes)')
      .action(async (options: { volumes?: boolean }) => {
        const runtime = await runtimeOf(globals());
        const report = await runtime.prune();
        for (const id of report.removed) process.stdout.write(`deleted container ${id}\n`);
        for (const item of report.repaired) process.stdout.write(`repaired ${item}\n`);
        const volumes = options.volumes ? await runtime.volumes.prune() : [];
        // docker's system prune removes unused networks too (never the default bridge).
        const { existsSync } = await import('node:fs');
        const { join } = await import('node:path');
        const networks = existsSync(join(runtime.store.roots.root, 'networks')) ? await (await runtime.networks()).prune() : [];
        for (const name of networks) process.stdout.write(`deleted network ${name}\n`);
        for (const name of volumes) process.stdout.write(`deleted volume ${name}\n`);
        process.stdout.write(`Total: ${report.removed.length} containers${options.volumes ? `, ${volumes.length} volumes` : ''} removed\n`);
      });
    system
      .command('service')
      .description('serve the Docker Engine API on a unix socket (DOCKER_HOST=unix:///run/skiff/docker.sock docker ...)')
      .argument('[address]', 'unix:///path/to/socket (TCP is refused)', 'unix:///run/skiff/docker.sock')
      .option('-t, --time <seconds>', 'exit after this many idle seconds (0 = never)', '5')
      .option('--group <group>', 'group allowed to use the socket besides root (default root only)')
      .action(async (address: string, options: { time: string; group?: string }) => {
        const { parseSeconds } = await import('../flags/seconds.js');
        const { runService } = await import('./service.js');
        await runService(globals(), address, { time: parseSeconds(options.time), group: options.group });
      });
  }

  if (want('system')) {
    const system = program.commands.find((command) => command.name() === 'system')!;
    system
      .command('df')
      .description('show disk usage: images, containers, local volumes, and what prune would reclaim')
      .option('--format <format>', 'table, json, table TEMPLATE or a Go template: {{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}')
      .action(async (options: { format?: string }) => {
        const [{ createContext }, { DF_HEADER, DF_TABLE, diskUsageRows }, { formatList }] = await Promise.all([import('../context.js'), import('./system-df.js'), import('../template/index.js')]);
        const rows = await diskUsageRows(await createContext(globals()));
        process.stdout.write(formatList(options.format ?? 'table', rows, { table: DF_TABLE, header: DF_HEADER }));
      });
    for (const command of system.commands) command.exitOverride();
  }

  // The README's command table (scripts/readme-commands), from every command this CLI defines.
  if (want('readme-table'))
    program
      .command('readme-table', { hidden: true })
      .action(async () => {
        const [{ commandTable }, { createProgram }] = await Promise.all([import('../command-table.js'), import('../program.js')]);
        process.stdout.write(`${commandTable(createProgram(['node', 'skiff']))}\n`);
      });

  // Run by a detached container's supervisor when the container has exited: teardown with no daemon.
  if (want('cleanup'))
    program
      .command('cleanup', { hidden: true })
      .argument('<id>')
      .action(async (id: string) => {
        await (await runtimeOf(globals())).finish(id);
      });
}

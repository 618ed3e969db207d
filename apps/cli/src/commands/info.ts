import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

declare const __SKIFF_VERSION__: string;

/** info, version: docker's shapes (a "Client" and a "Server" section; skiff has no daemon, the server is this host). */
export function defineInfo(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('version'))
    program
      .command('version')
      .description("show skiff's version: client and server (this host) sections, as docker's")
      .option('-f, --format <format>', 'json or a Go template: {{.Client.Version}} {{.Server.Version}} {{.Server.Os}}…')
      .action(async (options: { format?: string }) => {
        const { versionInfo, versionText } = await import('./info-data.js');
        const info = versionInfo(__SKIFF_VERSION__);
        if (options.format === undefined) return void process.stdout.write(versionText(info));
        const { compileTemplate } = await import('../template/index.js');
        process.stdout.write(`${compileTemplate(options.format === 'json' ? '{{json .}}' : options.format).render(info)}\n`);
      });

  if (want('info'))
    program
      .command('info')
      .description('show system-wide information: containers, images, drivers, kernel, cgroups, resources')
      .option('-f, --format <format>', 'json or a Go template: {{.Containers}} {{.Driver}} {{.CgroupVersion}} {{.KernelVersion}} {{.NCPU}} {{.MemTotal}}…')
      .action(async (options: { format?: string }) => {
        const { createContext } = await import('../context.js');
        const { systemInfo, infoText } = await import('./info-data.js');
        const info = await systemInfo(await createContext(globals()), __SKIFF_VERSION__);
        if (options.format === undefined) return void process.stdout.write(infoText(info));
        const { compileTemplate } = await import('../template/index.js');
        process.stdout.write(`${compileTemplate(options.format === 'json' ? '{{json .}}' : options.format).render(info)}\n`);
      });
}

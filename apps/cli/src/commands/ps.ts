import type { Command } from 'commander';
import type { ContainerRecord } from '@skiff/core';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';
import { ago, humanDuration, table } from '../format.js';
import { portsColumn } from './network.js';

/** docker's COMMAND column: the command line, quoted, cut to 20 characters with an ellipsis. */
export function commandColumn(args: string[], width = 20): string {
  const line = args.map((arg) => (/[\s'"]/.test(arg) ? `'${arg}'` : arg)).join(' ');
  return `"${line.length > width ? `${line.slice(0, width - 1)}…` : line}"`;
}

/** docker's STATUS column. */
export function statusColumn(record: ContainerRecord, now = Date.now(), health?: string): string {
  if (record.status === 'running') {
    // docker: "(Paused)", else the health: "(healthy)", "(unhealthy)", "(health: starting)"
    const suffix = record.paused ? ' (Paused)' : health === 'starting' ? ' (health: starting)' : health ? ` (${health})` : '';
    return `Up ${humanDuration(now - Date.parse(record.startedAt ?? record.created))}${suffix}`;
  }
  if (record.status === 'created') return 'Created';
  return `Exited (${record.exitCode ?? 0}) ${ago(record.finishedAt ?? record.created, now)}`;
}

export function definePs(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('ps'))
    program
      .command('ps')
      .description('list containers (running ones; -a for all)')
      .option('-a, --all', 'show all containers, not only running ones')
      .option('-q, --quiet', 'only print container ids')
      .option('--format <format>', 'json: one JSON object per line')
      .option('--no-trunc', 'do not truncate ids and commands')
      .action(async (options: { all?: boolean; quiet?: boolean; format?: string; trunc: boolean }) => {
        const { createContext } = await import('../context.js');
        const { runtime } = await createContext(globals());
        const records = (await runtime.list()).filter((record) => options.all || record.status === 'running');
        // Published ports of running containers (the network package is loaded only when one has some).
        const publishing = records.filter((record) => record.status === 'running' && record.config.networking?.publish.length);
        const networks = publishing.length ? await runtime.networks() : undefined;
        const ports = (record: ContainerRecord) => (networks && record.status === 'running' ? portsColumn(networks.endpointsOf(record.id).flatMap((e) => e.ports)) : '');
        const id = (record: ContainerRecord) => (options.trunc ? record.id.slice(0, 12) : record.id);
        if (options.quiet) {
          process.stdout.write(records.map((record) => `${id(record)}\n`).join(''));
        } else if (options.format === 'json') {
          const now = Date.now();
          for (const record of records) {
            const json = {
              Command: commandColumn(record.config.args, options.trunc ? 20 : Number.MAX_SAFE_INTEGER),
              CreatedAt: record.created,
              ID: id(record),
              Image: record.config.image,
              Mounts: record.config.volumes.map((volume) => volume.source).join(','),
              Names: record.name,
              Networks: record.config.network,
              Ports: ports(record),
              RunningFor: ago(record.created, now),
              State: record.status === 'stopped' ? 'exited' : record.paused ? 'paused' : record.status,
              Status: statusColumn(record, now, runtime.healthStatus(record)),
            };
            process.stdout.write(`${JSON.stringify(json)}\n`);
          }
        } else if (options.format !== undefined) {
          const { invalidArgument } = await import('@skiff/plugin');
          throw invalidArgument(`unknown --format "${options.format}": only json is supported`);
        } else {
          const now = Date.now();
          const rows = records.map((record) => [
            id(record),
            record.config.image,
            commandColumn(record.config.args, options.trunc ? 20 : Number.MAX_SAFE_INTEGER),
            ago(record.created, now),
            statusColumn(record, now, runtime.healthStatus(record)),
            ports(record),
            record.name,
          ]);
          process.stdout.write(table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows));
        }
      });
}

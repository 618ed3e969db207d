import type { Command } from 'commander';
import type { ContainerRecord } from '@skiff/core';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';
import { collect } from '../flags/collect.js';
import { portsColumn } from './network.js';
import { writeOut } from '../write-out.js';

export { commandColumn, statusColumn } from './ps-rows.js';

interface PsOptions {
  all?: boolean;
  quiet?: boolean;
  format?: string;
  trunc: boolean;
  filter?: string[];
  last?: string;
  latest?: boolean;
  size?: boolean;
}

export function definePs(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('ps'))
    program
      .command('ps')
      .description('list containers (running ones; -a for all)')
      .option('-a, --all', 'show all containers, not only running ones')
      .option('-f, --filter <key=value>', 'id, name, label, status, exited, ancestor, before, since, volume, network (repeatable)', collect)
      .option('--format <format>', "table, json, table TEMPLATE or a Go template: {{.ID}} {{.Image}} {{.Command}} {{.CreatedAt}} {{.RunningFor}} {{.Ports}} {{.State}} {{.Status}} {{.Size}} {{.Names}} {{.Labels}} {{.Label \"k\"}} {{.Mounts}} {{.Networks}}")
      .option('-n, --last <number>', 'show the n last created containers (all states)')
      .option('-l, --latest', 'show the latest created container (all states)')
      .option('--no-trunc', 'do not truncate ids and commands')
      .option('-q, --quiet', 'only print container ids')
      .option('-s, --size', 'show the size of each writable layer')
      .action(async (options: PsOptions) => {
        const { parseFilters } = await import('../flags/filters.js');
        const { PS_FILTERS, matchContainer } = await import('./ps-filter.js');
        const filters = parseFilters(options.filter ?? [], PS_FILTERS);
        const last = options.latest ? 1 : options.last === undefined ? undefined : await count(options.last);
        const { createContext } = await import('../context.js');
        const context = await createContext(globals());
        const { runtime } = context;
        // Newest first, as docker lists them.
        const every = (await runtime.list()).sort((a, b) => b.created.localeCompare(a.created) || a.id.localeCompare(b.id));
        const all = options.all || last !== undefined || filters.has('status') || filters.has('exited');
        const match = await matchContainer(filters, every, context);
        let records = every.filter((record) => (all || record.status === 'running') && match(record));
        if (last !== undefined && last >= 0) records = records.slice(0, last);
        // Published ports of running containers (the network package is loaded only when one has some).
        const publishing = records.filter((record) => record.status === 'running' && record.config.networking?.publish.length);
        const networks = publishing.length ? await runtime.networks() : undefined;
        const ports = (record: ContainerRecord) => (networks && record.status === 'running' ? portsColumn(networks.endpointsOf(record.id).flatMap((e) => e.ports)) : '');
        if (options.quiet && options.format === undefined) {
          writeOut(1, records.map((record) => `${options.trunc ? record.id.slice(0, 12) : record.id}\n`).join(''));
          return;
        }
        const { CONTAINER_HEADER, PS_TABLE, containerRow } = await import('./ps-rows.js');
        // As docker: a format that prints .Size measures it, -s or not.
        const measure = options.size || /\.Size\b/.test(options.format ?? '');
        const sizes = measure ? await Promise.all(records.map((record) => sizeColumn(context, record))) : [];
        const now = Date.now();
        const rows = records.map((record, index) => containerRow(record, { trunc: options.trunc, now, size: sizes[index], ports: ports(record), health: runtime.healthStatus(record) }));
        const { formatList } = await import('../template/index.js');
        const table = options.size ? `${PS_TABLE}\t{{.Size}}` : PS_TABLE;
        writeOut(1, formatList(options.format ?? 'table', rows, { table, header: CONTAINER_HEADER }));
      });
}

async function count(text: string): Promise<number> {
  if (!/^-?\d+$/.test(text)) {
    const { invalidArgument } = await import('@skiff/plugin');
    throw invalidArgument(`invalid argument ${JSON.stringify(text)} for "-n, --last": expected a whole number`);
  }
  return Number(text);
}

/** docker's SIZE column: the writable layer, and with the image ("virtual"): `12B (virtual 4.26MB)`. */
async function sizeColumn(context: Awaited<ReturnType<typeof import('../context.js').createContext>>, record: ContainerRecord): Promise<string> {
  const [{ humanSize }, { imageSize }] = await Promise.all([import('../format.js'), import('@skiff/image')]);
  const writable = await context.runtime.writableSize(record.id);
  const image = await context.images.get(record.config.image).catch(() => undefined);
  const virtual = writable + (image ? await imageSize(context.images, image) : 0);
  return `${humanSize(writable)} (virtual ${humanSize(virtual)})`;
}

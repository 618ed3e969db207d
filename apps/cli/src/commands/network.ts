import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import { collect } from '../flags/collect.js';
import type { Want } from './want.js';

const runtimeOf = async (globals: GlobalOptions) => (await (await import('../context.js')).createContext(globals)).runtime;

/** The root's networks, after what dead containers held is given back (so their endpoints do not count). */
async function currentNetworks(globals: GlobalOptions) {
  const runtime = await runtimeOf(globals);
  await runtime.reconcileNetworks();
  return runtime.networks();
}

/** `skiff network create|ls|inspect|rm|prune`: docker's network commands over the root's networks. */
export function defineNetwork(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (!want('network')) return;
  const network = program.command('network').description('manage networks');

  network
    .command('create')
    .description('create a bridge network whose containers find each other by name')
    .argument('<name>')
    .option('-d, --driver <driver>', 'network driver (bridge only)', 'bridge')
    .option('--subnet <cidr>', 'subnet, e.g. 10.99.0.0/24 (default: a free /24 of the pool)')
    .option('--gateway <ip>', "the bridge's address (default: the subnet's first)")
    .option('--internal', 'no traffic to or from outside the network')
    .option('--label <key=value>', 'label the network (repeatable)', collect)
    .action(async (name: string, options: { driver: string; subnet?: string; gateway?: string; internal?: boolean; label?: string[] }) => {
      const { invalidArgument } = await import('@skiff/plugin');
      if (options.driver !== 'bridge') throw invalidArgument(`network driver "${options.driver}" is not supported: use bridge`);
      const labels: Record<string, string> = {};
      for (const word of options.label ?? []) {
        const equals = word.indexOf('=');
        labels[equals < 0 ? word : word.slice(0, equals)] = equals < 0 ? '' : word.slice(equals + 1);
      }
      const networks = await (await runtimeOf(globals())).networks();
      const record = await networks.create({ name, subnet: options.subnet, gateway: options.gateway, internal: options.internal ?? false, labels });
      process.stdout.write(`${record.id}\n`);
    });

  network
    .command('ls')
    .alias('list')
    .description('list networks')
    .option('-q, --quiet', 'only show network ids')
    .option('-f, --filter <key=value>', 'driver=bridge|host|null, id=PREFIX, label=KEY[=VALUE], name=PART, scope=local, type=custom|builtin (repeatable)', collect)
    .option('--format <format>', 'table, json, table TEMPLATE or a Go template: {{.ID}} {{.Name}} {{.Driver}} {{.Scope}} {{.Internal}} {{.Labels}} {{.Label "k"}}')
    .option('--no-trunc', 'do not truncate the network ids')
    .action(async (options: { quiet?: boolean; filter?: string[]; format?: string; trunc?: boolean }) => {
      const [{ parseFilters }, rows] = await Promise.all([import('../flags/filters.js'), import('./network-rows.js')]);
      const filters = parseFilters(options.filter ?? [], rows.NETWORK_FILTERS);
      const networks = await (await runtimeOf(globals())).networks();
      const builtin = (name: 'host' | 'none', driver: 'host' | 'null') =>
        ({ id: name, name, driver, internal: false, labels: {}, created: '', type: 'builtin' }) as const;
      const list = [
        ...networks.list().map((n) => ({ ...n, driver: 'bridge' as const, type: n.name === 'bridge' ? ('builtin' as const) : ('custom' as const) })),
        builtin('host', 'host'),
        builtin('none', 'null'),
      ].filter((n) => rows.networkMatches(n, filters));
      const trunc = options.trunc !== false;
      if (options.quiet && options.format === undefined) {
        process.stdout.write(list.map((n) => `${trunc ? n.id.slice(0, 12) : n.id}\n`).join(''));
        return;
      }
      const { formatList } = await import('../template/index.js');
      process.stdout.write(formatList(options.format ?? 'table', list.map((n) => rows.networkRow(n, trunc)), { table: rows.NETWORK_TABLE, header: rows.NETWORK_HEADER }));
    });

  network
    .command('inspect')
    .description("print networks' configuration and containers as a JSON array")
    .argument('<network...>')
    .action(async (names: string[]) => {
      const networks = await currentNetworks(globals());
      const { inspectNetwork } = await import('@skiff/network');
      const found = names.map((name) => inspectNetwork(networks, networks.find(name)));
      process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
    });

  network
    .command('connect')
    .description('connect a container to a network (now if it runs, and at every start)')
    .argument('<network>')
    .argument('<container>')
    .option('--alias <name>', 'another name the container has on this network (repeatable)', collect)
    .action(async (name: string, container: string, options: { alias?: string[] }) => {
      const runtime = await runtimeOf(globals());
      for (const warning of await runtime.connect(container, name, { aliases: options.alias ?? [] })) process.stderr.write(`skiff: warning: ${warning}\n`);
    });

  network
    .command('disconnect')
    .description('disconnect a container from a network it was connected to')
    .argument('<network>')
    .argument('<container>')
    .option('-f, --force', 'accepted for docker compatibility')
    .action(async (name: string, container: string) => {
      await (await runtimeOf(globals())).disconnect(container, name);
    });

  network
    .command('rm')
    .alias('remove')
    .description('remove networks (refused while containers use them)')
    .argument('<network...>')
    .action(async (names: string[]) => {
      const networks = await currentNetworks(globals());
      for (const name of names) {
        await networks.remove(name);
        process.stdout.write(`${name}\n`);
      }
    });

  network
    .command('prune')
    .description('remove user networks no container uses')
    .option('-f, --force', 'do not ask (skiff never asks)')
    .action(async () => {
      const removed = await (await currentNetworks(globals())).prune();
      if (removed.length) process.stdout.write(`Deleted Networks:\n${removed.map((name) => `${name}\n`).join('')}`);
    });
}

/** `skiff port CONTAINER [PRIVATE_PORT[/PROTO]]`: docker's listing of published ports. */
export function definePort(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (!want('port')) return;
  program
    .command('port')
    .description("list a container's published ports")
    .argument('<container>')
    .argument('[port]', 'only this container port (80 or 80/tcp)')
    .action(async (reference: string, port: string | undefined) => {
      const runtime = await runtimeOf(globals());
      const endpoints = await runtime.endpoints(reference);
      const wanted = port === undefined ? undefined : port.includes('/') ? port : `${port}/tcp`;
      const lines: string[] = [];
      for (const endpoint of endpoints) {
        for (const binding of endpoint.ports) {
          const key = `${binding.containerPort}/${binding.protocol}`;
          if (wanted !== undefined && key !== wanted) continue;
          const host = `${binding.hostIp || '0.0.0.0'}:${binding.hostPort}`;
          lines.push(wanted === undefined ? `${key} -> ${host}` : host);
        }
      }
      if (wanted !== undefined && !lines.length) {
        const { SkiffError } = await import('@skiff/plugin');
        throw new SkiffError('NOT_FOUND', `no public port '${wanted}' published for ${reference}`);
      }
      process.stdout.write(lines.map((line) => `${line}\n`).join(''));
    });
}

/** docker's PORTS column: 0.0.0.0:8080->80/tcp, ... */
export function portsColumn(ports: { hostIp: string; hostPort: number; containerPort: number; protocol: string }[]): string {
  return ports.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(', ');
}

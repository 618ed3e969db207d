/**
 * The lifecycle's side of networking (the work is @skiff/network's): which network a container gets, its
 * namespace and /etc files at start, everything given back at teardown, and the clean-up after a crash.
 * `none` and `host` never load the network package: their runs cost what they did.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import type { Endpoint, ExtraHost, NetworkManager, PortSpec } from '@skiff/network';
import { SkiffError, invalidArgument, type Mount } from '@skiff/plugin';
import { containerBusy, withContainerLock } from '../state/lock.js';
import type { ContainerConfig, ContainerRecord } from '../state/record.js';
import { files, isAlive, type Host } from './host.js';
import { startedElsewhere } from './starting.js';

/** What `create` and `run` take about networking (docker's flags, parsed). */
export interface NetworkOptions {
  /** --network: none, host, bridge, container:NAME, or a user network (default: the root's, docker's `bridge`). */
  network?: string;
  /** -p */
  publish?: PortSpec[];
  /** -P: every port the image exposes (and --expose adds), on a free host port. */
  publishAll?: boolean;
  /** --expose: container ports added to the image's ExposedPorts ("80", "53/udp", "8000-8010/tcp"). */
  expose?: string[];
  /** --network-alias (user networks) */
  networkAliases?: string[];
  /** --dns, --dns-search, --dns-option */
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** --add-host NAME:IP (IP may be host-gateway) */
  addHosts?: ExtraHost[];
  /** --ip: the container's IPv4 address on its user network (bridge hands out addresses itself, as docker's). */
  ip?: string;
  /** --ip6: refused, skiff's networks are IPv4 only. */
  ip6?: string;
  /** --mac-address of the container's interface on its network. */
  macAddress?: string;
  /** --link-local-ip: extra link-local addresses on the container's interface. */
  linkLocalIps?: string[];
  /** docker's legacy --link NAME[:ALIAS]: /etc/hosts names for another container on the same network. */
  links?: { container: string; alias?: string }[];
}

/** Kept in the container's config: fixed at create, used at every start. */
export interface NetworkingConfig {
  aliases: string[];
  publish: PortSpec[];
  dns: { servers?: string[]; search?: string[]; options?: string[] };
  extraHosts: ExtraHost[];
  /** Networks joined by `network connect`, besides the one of --network: joined again at every start. */
  connected?: { network: string; aliases: string[] }[];
  /** --ip and --mac-address on the network of --network (checked at create; the address is claimed at each start). */
  ip?: string;
  mac?: string;
  linkLocal?: string[];
  /** --link: the container (by id) and the name it has here; its address is looked up at every start. */
  links?: { id: string; alias: string }[];
}

/** Modes that get an endpoint of their own (a veth on a bridge): `bridge` and user networks. */
export const isBridged = (mode: string) => mode !== 'none' && mode !== 'host' && !mode.startsWith('container:');

export async function networkManager(host: Host): Promise<NetworkManager> {
  if (!host.network) {
    const { NetworkManager } = await import('@skiff/network');
    host.network = new NetworkManager(host.roots, { dnsBinary: join(host.helper, '..', 'skiff-dns'), tied: host.helper });
  }
  return host.network;
}

/** The default network of this root, without loading the network package when the root's config says none. */
export async function defaultNetwork(host: Host): Promise<string> {
  const { networkSettings } = await import('@skiff/network');
  return networkSettings(host.roots.root).defaultNetwork;
}

/** Checks the flags against the mode and resolves the mode (a user network must exist; container:X must). */
export async function resolveNetworking(host: Host, options: NetworkOptions, exposed: PortSpec[]): Promise<{ mode: string; networking: NetworkingConfig }> {
  const { checkDnsName, checkDnsOption, checkDnsServer, checkLinkLocalIp, checkMacAddress } = await import('@skiff/network');
  let mode = options.network ?? (await defaultNetwork(host));
  if (mode === 'default') mode = 'bridge';
  const publish = [...(options.publish ?? []), ...(options.publishAll ? exposed : [])];
  const aliases = options.networkAliases ?? [];
  if (mode.startsWith('container:')) {
    const target = await host.store.resolve(mode.slice('container:'.length));
    mode = `container:${target.id}`;
  } else if (isBridged(mode)) {
    const network = (await networkManager(host)).find(mode);
    mode = network.name;
    if (aliases.length && network.name === 'bridge') throw invalidArgument('network-scoped aliases are only supported for user-defined networks');
  }
  if (!isBridged(mode)) {
    if (publish.length && !options.publishAll) throw invalidArgument(`conflicting options: port publishing and the ${mode.split(':')[0]} network mode`);
    if (aliases.length) throw invalidArgument('network-scoped aliases are only supported for user-defined networks');
  }
  for (const alias of aliases) checkDnsName(alias, 'network alias');
  if (options.ip6) throw invalidArgument(`invalid --ip6 ${JSON.stringify(options.ip6)}: skiff's networks are IPv4 only`);
  if (options.ip && (!isBridged(mode) || mode === 'bridge')) throw invalidArgument('user specified IP address is supported on user defined networks only');
  if (options.macAddress && !isBridged(mode)) throw invalidArgument(`conflicting options: mac-address and the ${mode.split(':')[0]} network mode`);
  const links: { id: string; alias: string }[] = [];
  for (const link of options.links ?? []) {
    if (!isBridged(mode)) throw invalidArgument(`conflicting options: --link and the ${mode.split(':')[0]} network mode`);
    const target = await host.store.resolve(link.container);
    const alias = link.alias ?? target.name;
    checkDnsName(alias, '--link alias');
    links.push({ id: target.id, alias });
  }
  if (options.linkLocalIps?.length && !isBridged(mode)) throw invalidArgument(`conflicting options: --link-local-ip and the ${mode.split(':')[0]} network mode`);
  const addressing = {
    ...(links.length ? { links } : {}),
    ...(options.linkLocalIps?.length ? { linkLocal: options.linkLocalIps.map(checkLinkLocalIp) } : {}),
    ...(options.ip ? { ip: checkIpv4(options.ip) } : {}),
    ...(options.macAddress ? { mac: checkMacAddress(options.macAddress) } : {}),
  };
  return {
    mode,
    networking: {
      aliases,
      publish: isBridged(mode) ? publish : [],
      dns: {
        ...(options.dns?.length ? { servers: options.dns.map(checkDnsServer) } : {}),
        ...(options.dnsSearch?.length ? { search: options.dnsSearch.map((d) => checkDnsName(d, '--dns-search domain')) } : {}),
        ...(options.dnsOptions?.length ? { options: options.dnsOptions.map(checkDnsOption) } : {}),
      },
      extraHosts: options.addHosts ?? [],
      ...addressing,
    },
  };
}

function checkIpv4(text: string): string {
  if (!isIPv4(text)) throw invalidArgument(`invalid --ip ${JSON.stringify(text)}: expected an IPv4 address such as 172.20.0.5`);
  return text;
}

export interface PreparedNetwork {
  /** The namespace the helper joins (plan `netns`). */
  netns?: string;
  /** It is a name made for this start: the helper removes it once it holds the namespace. */
  netnsDrop?: boolean;
  /** /etc/hosts, /etc/hostname, /etc/resolv.conf bind mounts. */
  mounts: Mount[];
  warnings: string[];
}

const NO_NETWORK: PreparedNetwork = { mounts: [], warnings: [] };

const ETC_FILES = [['hosts', '/etc/hosts'], ['hostname', '/etc/hostname'], ['resolv.conf', '/etc/resolv.conf']] as const;

/** Binds of the container's own /etc files (kept beside its config; replaced at every start). */
function etcMounts(host: Host, record: ContainerRecord, content: { hosts: string; hostname: string; resolvConf: string }): Mount[] {
  const dir = files(host, record.id).dir;
  const text = { hosts: content.hosts, hostname: content.hostname, 'resolv.conf': content.resolvConf };
  return ETC_FILES.map(([name, target]) => {
    const source = join(dir, name);
    writeFileSync(source, text[name], { mode: 0o644 });
    return { type: 'bind', source, target, options: ['bind', 'rw'] };
  });
}

const readOr = (path: string, fallback: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
};

/** At start, under the container lock: the namespace to join and the /etc files. Undone by releaseNetwork(). */
export async function prepareNetwork(host: Host, record: ContainerRecord): Promise<PreparedNetwork> {
  const { config } = record;
  const networking = config.networking;
  if (!networking) return NO_NETWORK; // created before networking existed: none or host, as it was
  if (config.network.startsWith('container:')) {
    const target = await host.store.get(config.network.slice('container:'.length));
    if (!target || target.status !== 'running' || !isAlive(target)) {
      throw new SkiffError('FAILED_PRECONDITION', `cannot join the network of container ${config.network.slice(10, 22)}: it is not running`);
    }
    // docker: the files of the container whose network it shares.
    const dir = files(host, target.id).dir;
    const mounts: Mount[] = ETC_FILES.filter(([name]) => existsSync(join(dir, name))).map(([name, target]) => ({ type: 'bind', source: join(dir, name), target, options: ['bind', 'rw'] }));
    return { netns: `/proc/${target.pid}/ns/net`, mounts, warnings: [] };
  }
  if (config.network === 'host') {
    // docker: the host's own /etc/hosts and resolv.conf (its loopback resolvers work here), --add-host added.
    const { hostsFile, networkSettings } = await import('@skiff/network');
    const extra = hostsFile({ hostname: config.hostname, extraHosts: networking.extraHosts }).split('\n').slice(6).join('\n');
    const resolvConf = readOr(networkSettings(host.roots.root).resolvConf, '');
    return { mounts: etcMounts(host, record, { hosts: readOr('/etc/hosts', '127.0.0.1\tlocalhost\n') + extra, hostname: `${config.hostname}\n`, resolvConf }), warnings: [] };
  }
  if (!isBridged(config.network)) return NO_NETWORK;
  const manager = await networkManager(host);
  const { netns, endpoint, warnings } = await manager.attach({
    id: record.id,
    name: record.name,
    network: config.network,
    aliases: networking.aliases,
    publish: networking.publish,
    ip: networking.ip,
    mac: networking.mac,
    linkLocal: networking.linkLocal,
  });
  try {
    for (const extra of networking.connected ?? []) {
      warnings.push(...(await manager.connect({ id: record.id, name: record.name, network: extra.network, aliases: extra.aliases })).warnings);
    }
    const linked = await linkedHosts(host, manager, record, networking.links ?? []);
    const content = manager.etcFiles({ hostname: config.hostname, extraHosts: [...networking.extraHosts, ...linked], dns: networking.dns, endpoint });
    return { netns, netnsDrop: true, mounts: etcMounts(host, record, content), warnings };
  } catch (error) {
    await manager.detach(record.id).catch(() => {});
    throw error;
  }
}

/**
 * --link at start: "IP ALIAS" and "IP NAME" lines for each linked container, which must run on this container's
 * network (docker: "Cannot link to a non running container").
 */
async function linkedHosts(host: Host, manager: NetworkManager, record: ContainerRecord, links: { id: string; alias: string }[]): Promise<ExtraHost[]> {
  const hosts: ExtraHost[] = [];
  for (const link of links) {
    const target = await host.store.get(link.id);
    if (!target || target.status !== 'running' || !isAlive(target)) {
      throw new SkiffError('FAILED_PRECONDITION', `Cannot link to a non running container: /${target?.name ?? link.id.slice(0, 12)} AS /${record.name}/${link.alias}`);
    }
    const endpoint = manager.endpointsOf(target.id).find((e) => e.network === record.config.network);
    if (!endpoint) throw new SkiffError('FAILED_PRECONDITION', `Cannot link to /${target.name}: it is not on network ${record.config.network}`);
    hosts.push({ name: link.alias, ip: endpoint.ip });
    if (link.alias !== target.name) hosts.push({ name: target.name, ip: endpoint.ip });
  }
  return hosts;
}

/**
 * `network connect`: recorded in the container's config (joined at every start) and, if it runs, made now in
 * its namespace. Only a container with a network of its own (bridge or a user network) can be connected.
 */
export async function connectNetwork(host: Host, reference: string, network: string, aliases: string[]): Promise<string[]> {
  const found = await host.store.resolve(reference);
  return withContainerLock(host.roots, found.id, async () => {
    const record = await host.store.resolve(found.id);
    const networking = record.config.networking;
    if (!networking || !isBridged(record.config.network)) {
      throw new SkiffError('FAILED_PRECONDITION', `container ${record.name} uses the ${record.config.network.split(':')[0]} network mode and cannot be connected to a network`);
    }
    const manager = await networkManager(host);
    const target = manager.find(network);
    if (target.name === 'bridge' && aliases.length) throw invalidArgument('network-scoped aliases are only supported for user-defined networks');
    if (target.name === record.config.network || (networking.connected ?? []).some((c) => c.network === target.name)) {
      throw new SkiffError('ALREADY_EXISTS', `container ${record.name} is already attached to network ${target.name}`);
    }
    const running = record.status === 'running' && isAlive(record);
    const warnings = running ? (await manager.connect({ id: record.id, name: record.name, network: target.name, aliases, pid: record.pid })).warnings : [];
    networking.connected = [...(networking.connected ?? []), { network: target.name, aliases }];
    await host.store.save(record);
    return warnings;
  });
}

/** `network disconnect`: the reverse; the network of --network itself stays (run the container anew to change it). */
export async function disconnectNetwork(host: Host, reference: string, network: string): Promise<void> {
  const found = await host.store.resolve(reference);
  await withContainerLock(host.roots, found.id, async () => {
    const record = await host.store.resolve(found.id);
    const manager = await networkManager(host);
    const target = manager.find(network);
    const networking = record.config.networking;
    if (target.name === record.config.network) {
      throw new SkiffError('FAILED_PRECONDITION', `network ${target.name} is container ${record.name}'s own (--network): it cannot be disconnected`);
    }
    if (!networking?.connected?.some((c) => c.network === target.name)) {
      throw new SkiffError('NOT_FOUND', `container ${record.name} is not connected to network ${target.name}`);
    }
    await manager.disconnect(record.id, target.name);
    networking.connected = networking.connected.filter((c) => c.network !== target.name);
    await host.store.save(record);
  });
}

/**
 * Once the helper has joined the namespace: its name goes (the container keeps it alive; see @skiff/network).
 * The helper removes it itself (plan netns DROP); this is for a helper that did not get that far.
 */
export async function networkJoined(host: Host, record: ContainerRecord): Promise<void> {
  if (isBridged(record.config.network) && record.config.networking) await (await networkManager(host)).dropNetnsName(record.id);
}

/** Teardown: everything the container's networking took. Idempotent. */
export async function releaseNetwork(host: Host, record: ContainerRecord): Promise<void> {
  if (!isBridged(record.config.network) || !record.config.networking) return;
  await (await networkManager(host)).detach(record.id);
}

/** The container's endpoints now (inspect, port, ps). */
export async function endpointsOf(host: Host, record: ContainerRecord): Promise<Endpoint[]> {
  if (!isBridged(record.config.network) || !record.config.networking || record.status !== 'running') return [];
  return (await networkManager(host)).endpointsOf(record.id);
}

/**
 * After a crash: addresses, ports, namespaces and records of containers that are not running (a kill -9 of
 * `run`, of the supervisor, of everything) are given back. A container whose start is under way right now (its
 * lock held) is left alone; `settle` brings a dead "running" one to stopped first, which tears it down.
 */
export async function reconcileNetworks(host: Host, settle: (record: ContainerRecord) => Promise<ContainerRecord | undefined>): Promise<void> {
  if (!existsSync(join(host.roots.runRoot, 'network'))) return;
  const manager = await networkManager(host);
  for (const owner of manager.owners()) {
    let record = await host.store.get(owner);
    if (record?.status === 'running' && isAlive(record)) continue;
    if (record) record = await settle(record);
    if (record?.status === 'running' && isAlive(record)) continue;
    // Being started: by `run` (no lock: marked starting by a live process) or by `start` (under the lock).
    if (record?.status === 'created' && (startedElsewhere(record) || (await containerBusy(host.roots, owner)))) continue;
    await withContainerLock(host.roots, owner, async () => {
      const current = await host.store.get(owner);
      if (current && startedElsewhere(current)) return;
      if (current?.status === 'running' && isAlive(current)) return;
      await manager.detach(owner);
    });
  }
}

export type { ContainerConfig };

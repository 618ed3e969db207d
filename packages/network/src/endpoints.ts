/**
 * A container's attachment to a network, made before the container starts and undone when it stops:
 *
 *   1. an address (ipam.ts) and its host ports (ports.ts), taken with O_EXCL files owned by the container id;
 *   2. the endpoint record (paths.ts), so whatever follows can be found and undone after a kill -9;
 *   3. a named network namespace <netnsPrefix><id> with eth0 (the peer of host veth <ifPrefix><hash>, enslaved
 *      to the bridge), its address, MAC and default route, and lo up; the helper joins it (plan `netns`);
 *   4. the firewall (published ports) and the network's DNS table, when they change.
 *
 * Once the container runs, the namespace's name is dropped (`ip netns del`): the container alone keeps it
 * alive, and when its last process dies the kernel removes the namespace and with it both veth ends. So a
 * stopped container leaves no interface even if nobody tears it down; what is left (files, rules) is state
 * that detach() removes, and reconcile finds by owner after a crash.
 */
import { isIPv4 } from 'node:net';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '@skiff/plugin';
import { macFor, parseCidr, parseIp } from './addresses.js';
import type { NetworkSettings } from './config.js';
import { allocate, allocations, claimAddress, release } from './ipam.js';
import type { NetworkRecord } from './networks.js';
import type { NetworkPaths } from './paths.js';
import { claimed } from './claim.js';
import { releasePorts, reservePorts, type PortBinding, type PortSpec } from './ports.js';
import { ipBatch, linkExists } from './system.js';

export interface Endpoint {
  container: string;
  /** The container's name, a DNS name on user networks. */
  name: string;
  network: string;
  ip: string;
  prefix: number;
  gateway: string;
  mac: string;
  /** Host end of the veth pair. */
  veth: string;
  /** The interface inside the container. */
  device: string;
  aliases: string[];
  ports: PortBinding[];
  /** docker's --link-local-ip: more addresses on the interface (169.254.0.0/16, fe80::/10). */
  linkLocal?: string[];
}

export const netnsName = (settings: NetworkSettings, id: string) => `${settings.netnsPrefix}${id}`;
export const netnsPath = (settings: NetworkSettings, id: string) => `/run/netns/${netnsName(settings, id)}`;

/** At most 15 characters: the prefix, then a hash of (container, network), so a container has one per network. */
export const vethName = (settings: NetworkSettings, id: string, network: string) =>
  settings.ifPrefix + createHash('sha1').update(`${id}\0${network}`).digest('hex').slice(0, 15 - settings.ifPrefix.length);

const endpointFile = (paths: NetworkPaths, network: string, id: string) => join(paths.endpoints(network), `${id}.json`);

export function readEndpoints(paths: NetworkPaths, network?: string): Endpoint[] {
  const networks = network !== undefined ? [network] : safeReaddir(paths.endpoints());
  return networks.flatMap((name) =>
    safeReaddir(paths.endpoints(name))
      .filter((file) => file.endsWith('.json'))
      .flatMap((file) => {
        try {
          return [JSON.parse(readFileSync(join(paths.endpoints(name), file), 'utf8')) as Endpoint];
        } catch {
          return [];
        }
      }),
  );
}

export function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export interface EndpointRequest {
  id: string;
  name: string;
  aliases: string[];
  publish: PortSpec[];
  /** eth0 for the first network, eth1... for `network connect`. */
  device: string;
  /** docker's --ip: this address rather than the first free one. */
  ip?: string | undefined;
  /** docker's --mac-address: this MAC rather than the one made from the address. */
  mac?: string | undefined;
  /** docker's --link-local-ip. */
  linkLocal?: string[] | undefined;
}

/** Steps 1 and 2: address, ports and record. On failure nothing is left. */
export async function reserveEndpoint(paths: NetworkPaths, settings: NetworkSettings, network: NetworkRecord, request: EndpointRequest): Promise<Endpoint> {
  const cidr = parseCidr(network.subnet);
  const ipamDir = paths.ipam(network.name);
  const ip = request.ip
    ? claimAddress(ipamDir, cidr, parseIp(network.gateway), request.id, network.name, request.ip)
    : allocate(ipamDir, cidr, parseIp(network.gateway), request.id, network.name);
  try {
    const ports = await reservePorts(paths.ports, request.publish, request.id);
    const endpoint: Endpoint = {
      container: request.id,
      name: request.name,
      network: network.name,
      ip,
      prefix: cidr.prefix,
      gateway: network.gateway,
      mac: request.mac ?? macFor(parseIp(ip)),
      veth: vethName(settings, request.id, network.name),
      device: request.device,
      aliases: request.aliases,
      ports,
      ...(request.linkLocal?.length ? { linkLocal: request.linkLocal } : {}),
    };
    try {
      mkdirSync(paths.endpoints(network.name), { recursive: true, mode: 0o700 });
      await writeJsonAtomic(endpointFile(paths, network.name, request.id), endpoint);
    } catch (error) {
      releasePorts(paths.ports, ports, request.id);
      throw error;
    }
    return endpoint;
  } catch (error) {
    release(ipamDir, ip, request.id);
    throw error;
  }
}

/** The `ip` lines (host side, then inside `netns`) that give the namespace its interface. */
export function linkCommands(endpoint: Endpoint, network: NetworkRecord, netns: string, create: boolean): { host: string[]; inside: string[] } {
  return {
    host: [
      ...(create ? [`netns add ${netns}`] : []),
      `link add ${endpoint.veth} type veth peer name ${endpoint.device} netns ${netns}`,
      `link set ${endpoint.veth} master ${network.bridge} up`,
    ],
    inside: [
      ...(create ? ['link set lo up'] : []),
      `link set ${endpoint.device} address ${endpoint.mac}`,
      `addr add ${endpoint.ip}/${endpoint.prefix} dev ${endpoint.device}`,
      ...(endpoint.linkLocal ?? []).map((ip) => `addr add ${ip}/${isIPv4(ip) ? 16 : 64} dev ${endpoint.device}`),
      `link set ${endpoint.device} up`,
      // An internal network has no way out, so no default route (docker's behaviour too).
      ...(network.internal || !create ? [] : [`route add default via ${endpoint.gateway}`]),
    ],
  };
}

/** Step 3 for a container about to start: the named namespace, ready. */
export async function plumb(endpoint: Endpoint, network: NetworkRecord, netns: string, create = true): Promise<void> {
  const commands = linkCommands(endpoint, network, netns, create);
  await ipBatch(commands.host);
  await ipBatch(commands.inside, netns);
}

/** Undoes steps 1-3 for one endpoint (the caller refreshes firewall and DNS). Idempotent. */
export async function unplumb(paths: NetworkPaths, endpoint: Endpoint): Promise<void> {
  if (linkExists(endpoint.veth)) await ipBatch([`link del ${endpoint.veth}`]).catch(() => {});
  releasePorts(paths.ports, endpoint.ports, endpoint.container);
  release(paths.ipam(endpoint.network), endpoint.ip, endpoint.container);
  try {
    unlinkSync(endpointFile(paths, endpoint.network, endpoint.container));
  } catch {
    // gone already
  }
}

/** Every container id that holds something here: an address, a port, an endpoint, a namespace name. */
export function owners(paths: NetworkPaths, settings: NetworkSettings): Set<string> {
  const found = new Set<string>();
  for (const network of safeReaddir(join(paths.ipam('x'), '..'))) for (const owner of allocations(paths.ipam(network)).values()) found.add(owner);
  for (const file of claimed(safeReaddir(paths.ports))) {
    try {
      found.add(readFileSync(join(paths.ports, file), 'utf8'));
    } catch {
      // released meanwhile
    }
  }
  for (const endpoint of readEndpoints(paths)) found.add(endpoint.container);
  for (const name of safeReaddir('/run/netns')) if (name.startsWith(settings.netnsPrefix)) found.add(name.slice(settings.netnsPrefix.length));
  return found;
}

/** Address and ports a killed start took before it wrote its endpoint record. */
export function releaseOwned(paths: NetworkPaths, owner: string): void {
  for (const network of safeReaddir(join(paths.ipam('x'), '..'))) {
    for (const [ip, holder] of allocations(paths.ipam(network))) if (holder === owner) release(paths.ipam(network), ip, owner);
  }
  for (const file of claimed(safeReaddir(paths.ports))) {
    const path = join(paths.ports, file);
    try {
      if (readFileSync(path, 'utf8') === owner) unlinkSync(path);
    } catch {
      // released meanwhile
    }
  }
}

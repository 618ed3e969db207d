/**
 * Networks: the default `bridge` (from the root's settings, never stored) and user networks, each a JSON file
 * <root>/networks/<name>.json written atomically. A user network has its own Linux bridge and /24 (or the
 * subnet given), and a DNS responder while it has containers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { SkiffError, invalidArgument, writeJsonAtomic } from '@skiff/plugin';
import { contains, firstHost, formatIp, overlaps, parseCidr, parseIp, size, type Cidr } from './addresses.js';
import type { NetworkSettings } from './config.js';
import { RESERVED_NETWORKS, checkNetworkName } from './names.js';
import type { NetworkPaths } from './paths.js';

export interface NetworkRecord {
  name: string;
  id: string;
  created: string;
  subnet: string;
  gateway: string;
  internal: boolean;
  labels: Record<string, string>;
  /** The Linux bridge (at most 15 characters). */
  bridge: string;
  /** Containers resolve each other by name (user networks; not the default bridge, as in docker). */
  dns: boolean;
}

export function defaultBridge(settings: NetworkSettings): NetworkRecord {
  const cidr = parseCidr(settings.subnet);
  return {
    name: 'bridge',
    id: createHash('sha256').update(`bridge:${settings.table}`).digest('hex'),
    created: new Date(0).toISOString(),
    subnet: settings.subnet,
    gateway: formatIp(firstHost(cidr)),
    internal: false,
    labels: {},
    bridge: settings.bridge,
    dns: false,
  };
}

export function listNetworks(paths: NetworkPaths, settings: NetworkSettings): NetworkRecord[] {
  let names: string[] = [];
  try {
    names = readdirSync(paths.networks).filter((name) => name.endsWith('.json'));
  } catch {
    // none yet
  }
  const user = names.flatMap((file) => {
    try {
      return [JSON.parse(readFileSync(`${paths.networks}/${file}`, 'utf8')) as NetworkRecord];
    } catch {
      return [];
    }
  });
  return [defaultBridge(settings), ...user.sort((a, b) => a.name.localeCompare(b.name))];
}

/** By name, full id or unique id prefix. */
export function findNetwork(paths: NetworkPaths, settings: NetworkSettings, reference: string): NetworkRecord {
  const all = listNetworks(paths, settings);
  const found = all.find((network) => network.name === reference) ?? all.filter((network) => reference.length >= 3 && network.id.startsWith(reference));
  if (!Array.isArray(found)) return found;
  if (found.length === 1) return found[0]!;
  throw new SkiffError('NOT_FOUND', `network ${reference} not found`, { hint: "see 'skiff network ls'" });
}

export interface CreateNetworkOptions {
  name: string;
  subnet?: string;
  gateway?: string;
  internal?: boolean;
  labels?: Record<string, string>;
}

/** Subnets in use on the host (its routes) that a new network must not overlap. */
function hostSubnets(): Cidr[] {
  const found: Cidr[] = [];
  try {
    for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const [, destination, , , , , , mask] = line.split('\t');
      if (!destination || !mask || mask === '00000000') continue;
      const swap = (hex: string) => Number.parseInt(hex.match(/../g)!.reverse().join(''), 16) >>> 0;
      const maskValue = swap(mask);
      found.push({ network: swap(destination), prefix: 32 - Math.log2(2 ** 32 - maskValue) });
    }
  } catch {
    // no /proc/net/route: nothing to avoid
  }
  return found.filter((cidr) => Number.isInteger(cidr.prefix));
}

/** Writes a new user network (the caller holds the network lock). Its bridge is made when a container joins. */
export async function createNetwork(paths: NetworkPaths, settings: NetworkSettings, options: CreateNetworkOptions): Promise<NetworkRecord> {
  checkNetworkName(options.name);
  if (RESERVED_NETWORKS.has(options.name)) throw invalidArgument(`network name ${options.name} is reserved`);
  const existing = listNetworks(paths, settings);
  if (existing.some((network) => network.name === options.name)) throw new SkiffError('ALREADY_EXISTS', `network with name ${options.name} already exists`);
  const taken = [...existing.map((network) => parseCidr(network.subnet)), ...hostSubnets()];
  let cidr: Cidr;
  if (options.subnet !== undefined) {
    cidr = parseCidr(options.subnet);
    const clash = existing.find((network) => overlaps(parseCidr(network.subnet), cidr));
    if (clash) throw invalidArgument(`subnet ${options.subnet} overlaps network ${clash.name} (${clash.subnet})`);
  } else {
    const pool = parseCidr(settings.pool);
    let found: Cidr | undefined;
    for (let network = pool.network; network < pool.network + size(pool); network += 256) {
      const candidate = { network, prefix: 24 };
      if (!taken.some((cidr) => overlaps(cidr, candidate))) {
        found = candidate;
        break;
      }
    }
    if (!found) throw new SkiffError('UNAVAILABLE', `no free /24 left in the pool ${settings.pool}`, { hint: 'give one with --subnet' });
    cidr = found;
  }
  let gateway = firstHost(cidr);
  if (options.gateway !== undefined) {
    gateway = parseIp(options.gateway);
    if (!contains(cidr, gateway) || gateway === cidr.network || gateway === cidr.network + size(cidr) - 1) {
      throw invalidArgument(`gateway ${options.gateway} is not a host address of ${formatIp(cidr.network)}/${cidr.prefix}`);
    }
  }
  const id = randomBytes(32).toString('hex');
  const record: NetworkRecord = {
    name: options.name,
    id,
    created: new Date().toISOString(),
    subnet: `${formatIp(cidr.network)}/${cidr.prefix}`,
    gateway: formatIp(gateway),
    internal: options.internal ?? false,
    labels: options.labels ?? {},
    bridge: `${settings.ifPrefix}n${id.slice(0, 14 - settings.ifPrefix.length)}`,
    dns: true,
  };
  mkdirSync(paths.networks, { recursive: true, mode: 0o700 });
  await writeJsonAtomic(paths.network(record.name), record);
  return record;
}

export function removeNetworkRecord(paths: NetworkPaths, name: string): void {
  try {
    unlinkSync(paths.network(name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

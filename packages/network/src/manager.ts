/**
 * Networking of one state root: what the lifecycle calls (attach before a start, detach after the stop,
 * reconcile after a crash) and what `skiff network` does. Changes to shared state (bridges, the firewall, a
 * network's DNS table) happen under the root's network lock; addresses and ports need none (ipam.ts, ports.ts).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SkiffError, withLock } from '@skiff/plugin';
import { networkSettings, type NetworkSettings } from './config.js';
import { refreshDns, responderStatus } from './dns.js';
import { netnsName, netnsPath, owners, plumb, readEndpoints, releaseOwned, reserveEndpoint, unplumb, type Endpoint } from './endpoints.js';
import { hostsFile, parseResolvConf, resolvConfFile, type DnsOptions } from './etc-files.js';
import { dropTableScript, forwardBlocked, renderRuleset } from './firewall.js';
import { checkDnsName, type ExtraHost } from './names.js';
import { createNetwork, findNetwork, listNetworks, removeNetworkRecord, type CreateNetworkOptions, type NetworkRecord } from './networks.js';
import { networkPaths, type NetworkPaths } from './paths.js';
import type { PortSpec } from './ports.js';
import { ip, ipBatch, linkExists, nftLoad, nftRuleset, sysctl, tieToolsTo } from './system.js';

export interface AttachRequest {
  id: string;
  name: string;
  /** 'bridge' or a user network's name or id. */
  network: string;
  aliases?: string[];
  publish?: PortSpec[];
  /** --ip (user networks only) and --mac-address of the container's first network. */
  ip?: string | undefined;
  mac?: string | undefined;
  linkLocal?: string[] | undefined;
}

export interface EtcRequest {
  hostname: string;
  extraHosts: ExtraHost[];
  dns: DnsOptions;
  /** The container's endpoint (none: --network none, host). */
  endpoint?: Endpoint | undefined;
}

export class NetworkManager {
  readonly settings: NetworkSettings;
  readonly paths: NetworkPaths;
  readonly #dnsBinary: string | undefined;

  /** `tied`: skiff-helper's path, to run the host tools tied to this process (system.ts, tieToolsTo). */
  constructor(roots: { root: string; runRoot: string }, options: { dnsBinary?: string; tied?: string } = {}) {
    tieToolsTo(options.tied);
    this.settings = networkSettings(roots.root);
    this.paths = networkPaths(roots.root, roots.runRoot);
    this.#dnsBinary = options.dnsBinary;
  }

  #locked<T>(action: () => Promise<T>): Promise<T> {
    return withLock(this.paths.lock, action, { what: 'the network state' });
  }

  list(): NetworkRecord[] {
    return listNetworks(this.paths, this.settings);
  }

  find(reference: string): NetworkRecord {
    return findNetwork(this.paths, this.settings, reference);
  }

  create(options: CreateNetworkOptions): Promise<NetworkRecord> {
    return this.#locked(() => createNetwork(this.paths, this.settings, options));
  }

  /** Removes a user network with no containers: its record, bridge and rules. */
  async remove(reference: string): Promise<NetworkRecord> {
    const network = this.find(reference);
    if (network.name === 'bridge') throw new SkiffError('FAILED_PRECONDITION', 'bridge is a pre-defined network and cannot be removed');
    return this.#locked(async () => {
      const users = readEndpoints(this.paths, network.name);
      if (users.length) {
        throw new SkiffError('FAILED_PRECONDITION', `network ${network.name} has active endpoints (${users.map((e) => e.name).join(', ')})`, { hint: 'stop or disconnect them first' });
      }
      removeNetworkRecord(this.paths, network.name);
      await this.#removeBridge(network.bridge);
      await this.#syncFirewall();
      return network;
    });
  }

  /** Endpoints of a network, or of all. */
  endpoints(network?: string): Endpoint[] {
    return readEndpoints(this.paths, network);
  }

  endpointsOf(id: string): Endpoint[] {
    return readEndpoints(this.paths).filter((endpoint) => endpoint.container === id);
  }

  /**
   * Makes the container's network namespace, ready to join at netnsPath(): its address, interface, routes,
   * published ports and name on the network. On failure everything taken is given back.
   */
  async attach(request: AttachRequest): Promise<{ netns: string; endpoint: Endpoint; warnings: string[] }> {
    const network = this.find(request.network);
    for (const alias of request.aliases ?? []) checkDnsName(alias, 'network alias');
    const warnings = await this.#ensureNetwork(network);
    const endpoint = await reserveEndpoint(this.paths, this.settings, network, {
      id: request.id,
      name: request.name,
      aliases: request.aliases ?? [],
      publish: request.publish ?? [],
      device: 'eth0',
      ip: request.ip,
      mac: request.mac,
      linkLocal: request.linkLocal,
    });
    try {
      await plumb(endpoint, network, netnsName(this.settings, request.id));
      if (endpoint.ports.length || network.dns) await this.#locked(() => this.#refresh(network, endpoint.ports.length > 0));
    } catch (error) {
      await this.detach(request.id).catch(() => {});
      throw error;
    }
    return { netns: netnsPath(this.settings, request.id), endpoint, warnings };
  }

  /**
   * Another network for a container (`network connect`, or the networks it was connected to, at its start):
   * its next ethN, in the namespace named for the container (before the start) or in that of running `pid`.
   */
  async connect(request: AttachRequest & { pid?: number }): Promise<{ endpoint: Endpoint; warnings: string[] }> {
    const network = this.find(request.network);
    for (const alias of request.aliases ?? []) checkDnsName(alias, 'network alias');
    const mine = this.endpointsOf(request.id);
    if (mine.some((endpoint) => endpoint.network === network.name)) {
      throw new SkiffError('ALREADY_EXISTS', `container ${request.name} is already attached to network ${network.name}`);
    }
    const warnings = await this.#ensureNetwork(network);
    const used = new Set(mine.map((endpoint) => endpoint.device));
    let index = 0;
    while (used.has(`eth${index}`)) index++;
    const endpoint = await reserveEndpoint(this.paths, this.settings, network, {
      id: request.id,
      name: request.name,
      aliases: request.aliases ?? [],
      publish: request.publish ?? [],
      device: `eth${index}`,
    });
    const name = netnsName(this.settings, request.id);
    try {
      // A running container's namespace gets the container's name for as long as this takes.
      if (request.pid !== undefined) await ip(['netns', 'attach', name, String(request.pid)]);
      try {
        await plumb(endpoint, network, name, false);
      } finally {
        if (request.pid !== undefined) await this.dropNetnsName(request.id);
      }
      if (endpoint.ports.length || network.dns) await this.#locked(() => this.#refresh(network, endpoint.ports.length > 0));
    } catch (error) {
      await unplumb(this.paths, endpoint).catch(() => {});
      throw error;
    }
    return { endpoint, warnings };
  }

  /** Takes container `id` off one network (its interface, address, ports, name there). */
  async disconnect(id: string, reference: string): Promise<void> {
    const network = this.find(reference);
    const endpoint = this.endpointsOf(id).find((e) => e.network === network.name);
    if (!endpoint) return;
    await unplumb(this.paths, endpoint);
    await this.#locked(() => this.#refresh(network, endpoint.ports.length > 0));
  }

  /** Once the container has joined its namespace: the name goes, the container alone keeps it alive. */
  async dropNetnsName(id: string): Promise<void> {
    if (existsSync(netnsPath(this.settings, id))) await ip(['netns', 'del', netnsName(this.settings, id)]).catch(() => {});
  }

  /** Everything of container `id`: endpoints, addresses, ports, namespace name, rules, DNS names. Idempotent. */
  async detach(id: string): Promise<void> {
    const endpoints = this.endpointsOf(id);
    if (existsSync(netnsPath(this.settings, id))) await this.dropNetnsName(id);
    for (const endpoint of endpoints) await unplumb(this.paths, endpoint);
    releaseOwned(this.paths, id);
    const touched = endpoints.map((endpoint) => ({ network: this.#tryFind(endpoint.network), ports: endpoint.ports.length > 0 }));
    if (touched.some((t) => t.ports || t.network?.dns)) {
      await this.#locked(async () => {
        if (touched.some((t) => t.network?.dns)) await this.#refreshAllDns();
        if (touched.some((t) => t.ports)) await this.#syncFirewall();
      });
    }
  }

  #tryFind(name: string): NetworkRecord | undefined {
    try {
      return this.find(name);
    } catch {
      return undefined;
    }
  }

  /** Container ids that hold anything of this root's networking; reconcile detaches those that are not running. */
  owners(): Set<string> {
    return owners(this.paths, this.settings);
  }

  /** The container's /etc/hosts, /etc/hostname and /etc/resolv.conf. */
  etcFiles(request: EtcRequest): { hosts: string; hostname: string; resolvConf: string } {
    let host = { nameservers: [] as string[], search: [] as string[], options: [] as string[] };
    try {
      host = parseResolvConf(readFileSync(this.settings.resolvConf, 'utf8'));
    } catch {
      // no resolv.conf on the host: the fallback servers
    }
    const endpoint = request.endpoint;
    const network = endpoint ? this.#tryFind(endpoint.network) : undefined;
    const gateway = endpoint?.gateway ?? this.find('bridge').gateway;
    const extraHosts = request.extraHosts.map((entry) => (entry.ip === 'host-gateway' ? { ...entry, ip: gateway } : entry));
    return {
      hosts: hostsFile({ ip: endpoint?.ip, hostname: request.hostname, aliases: [], extraHosts }),
      hostname: `${request.hostname}\n`,
      resolvConf: resolvConfFile(host, request.dns, network?.dns ? network.gateway : undefined),
    };
  }

  /**
   * Bridge, address, forwarding and rules of a network, made once: a marker in the runtime root says so (a
   * bridge whose rules failed to load has none, and is completed by the next start). Gone after a reboot, as
   * the bridge and the table are.
   */
  async #ensureNetwork(network: NetworkRecord): Promise<string[]> {
    const marker = join(this.paths.endpoints(), `.ready-${network.bridge}`);
    if (existsSync(marker) && linkExists(network.bridge)) return [];
    return this.#locked(async () => {
      if (existsSync(marker) && linkExists(network.bridge)) return [];
      const cidr = network.subnet.split('/')[1];
      if (!linkExists(network.bridge)) {
        await ipBatch([`link add ${network.bridge} type bridge`, `addr add ${network.gateway}/${cidr} dev ${network.bridge}`, `link set ${network.bridge} up`]);
      }
      // 127.0.0.1:PORT DNATed to a container leaves through the bridge with a loopback source: allowed here only.
      sysctl(`net/ipv4/conf/${network.bridge}/route_localnet`, '1');
      sysctl('net/ipv4/ip_forward', '1');
      await this.#syncFirewall();
      mkdirSync(this.paths.endpoints(), { recursive: true, mode: 0o700 });
      writeFileSync(marker, '');
      // Said once, when the bridge is made: another table's drop policy on forward overrules our accepts.
      if (!forwardBlocked(await nftRuleset().catch(() => ''))) return [];
      return [
        `a FORWARD chain of another firewall (docker's iptables rules?) drops forwarded traffic by default, so containers on ${network.bridge} may not reach beyond the host; ` +
          `allow them there, e.g. iptables -I DOCKER-USER -i ${network.bridge} -j ACCEPT; iptables -I DOCKER-USER -o ${network.bridge} -j ACCEPT`,
      ];
    });
  }

  async #removeBridge(bridge: string): Promise<void> {
    rmSync(join(this.paths.endpoints(), `.ready-${bridge}`), { force: true });
    if (linkExists(bridge)) await ip(['link', 'del', bridge]);
  }

  /**
   * After an endpoint came or went on `network`: its DNS table, and those of the other user networks (a container
   * on two networks sees the names of both, so one network's change shows in the others' tables).
   */
  async #refresh(network: NetworkRecord, ports: boolean): Promise<void> {
    if (network.dns) await this.#refreshAllDns();
    if (ports) await this.#syncFirewall();
  }

  async #refreshAllDns(): Promise<void> {
    for (const each of this.list()) if (each.dns) await refreshDns(this.paths, each, this.#dnsBinary, this.settings.resolvConf);
  }

  /** Rebuilds the table from every network whose bridge exists and every endpoint's ports. Caller holds the lock. */
  async #syncFirewall(): Promise<void> {
    const networks = this.list().filter((network) => linkExists(network.bridge));
    const bridges = new Map(networks.map((network) => [network.name, network.bridge]));
    const endpoints = this.endpoints()
      .filter((endpoint) => endpoint.ports.length && bridges.has(endpoint.network))
      .map((endpoint) => ({ bridge: bridges.get(endpoint.network)!, ip: endpoint.ip, ports: endpoint.ports }));
    await nftLoad(networks.length ? renderRuleset(this.settings.table, networks, endpoints) : dropTableScript(this.settings.table));
  }

  /** Reloads the rules from the state (after a crash, and on `system prune`). */
  syncFirewall(): Promise<void> {
    return this.#locked(() => this.#syncFirewall());
  }

  /** Removes user networks no container uses; returns their names. */
  async prune(): Promise<string[]> {
    const removed: string[] = [];
    for (const network of this.list()) {
      if (network.name === 'bridge' || this.endpoints(network.name).length) continue;
      await this.remove(network.name).then(() => removed.push(network.name), () => {});
    }
    return removed;
  }

  /** The default bridge and the table go too (system prune with nothing running; the test suite's clean-up). */
  async removeDefaultBridge(): Promise<void> {
    await this.#locked(async () => {
      if (this.endpoints('bridge').length) return;
      const bridge = this.settings.bridge;
      await this.#removeBridge(bridge);
      await this.#syncFirewall();
    });
  }

  responder(network: NetworkRecord) {
    return responderStatus(this.paths, network);
  }
}

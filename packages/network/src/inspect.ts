import type { NetworkManager } from './manager.js';
import type { NetworkRecord } from './networks.js';

/** docker network inspect's body for one network (used by `skiff network inspect` and the Docker API). */
export function inspectNetwork(networks: NetworkManager, n: NetworkRecord) {
  const containers = Object.fromEntries(
    networks.endpoints(n.name).map((e) => [e.container, { Name: e.name, EndpointID: e.veth, MacAddress: e.mac, IPv4Address: `${e.ip}/${e.prefix}`, IPv6Address: '' }]),
  );
  const responder = networks.responder(n);
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: n.subnet, Gateway: n.gateway }] },
    Internal: n.internal,
    Attachable: false,
    Containers: containers,
    Options: { 'com.docker.network.bridge.name': n.bridge },
    Labels: n.labels,
    ...(n.dns ? { DNS: responder ? { Address: `${n.gateway}:53`, Pid: responder.pid, ResidentKiB: responder.rssKiB } : null } : {}),
  };
}

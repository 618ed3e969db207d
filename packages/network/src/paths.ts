import { join } from 'node:path';

/**
 * Where networking keeps its state. Persistent: <root>/networks/<name>.json, one per user network.
 * Runtime (<runRoot>/network; nothing in it outlives a reboot, as nothing it describes does):
 *
 *   ipam/<network>/<a.b.c.d>          an address in use; holds the container id; made with O_EXCL (never twice)
 *   ports/<proto>-<port>              a published host port in use; holds the container id; O_EXCL
 *   endpoints/<network>/<id>.json     a container's attachment (Endpoint), written before anything is made
 *   dns/<network>/hosts               "IP NAME..." lines the network's DNS responder answers from
 *   dns/<network>/pid                 the responder's "pid starttime"
 */
export interface NetworkPaths {
  networks: string;
  network: (name: string) => string;
  ipam: (network: string) => string;
  ports: string;
  endpoints: (network?: string) => string;
  dns: (network: string) => string;
  lock: string;
}

export function networkPaths(root: string, runRoot: string): NetworkPaths {
  const run = join(runRoot, 'network');
  return {
    networks: join(root, 'networks'),
    network: (name) => join(root, 'networks', `${name}.json`),
    ipam: (network) => join(run, 'ipam', network),
    ports: join(run, 'ports'),
    endpoints: (network) => (network === undefined ? join(run, 'endpoints') : join(run, 'endpoints', network)),
    dns: (network) => join(run, 'dns', network),
    lock: join(runRoot, 'locks', 'network.lock'),
  };
}

/**
 * skiff's nftables rules: one table of its own (family ip, named by the root's settings), rebuilt whole from
 * the networks and endpoints and loaded in one `nft -f -` transaction (`add table; delete table; table {...}`),
 * so the kernel swaps the old rules for the new at once and a failed load leaves the old ones. Never a flush
 * of the ruleset, never a rule in anyone else's table.
 *
 * Coexistence with docker (iptables-nft): every base chain on a hook sees the packet, and a drop in any of them
 * is final, so our forward chain's accepts cannot overrule docker's `FORWARD` policy drop. Our chains therefore
 * only ever accept or leave verdicts to others (policy accept), and isolation is expressed as our own drops.
 * Where docker's drop policy is present, `forwardBlocked()` notices it and the caller warns with the fix
 * (docker's documented place for a host's own rules is its DOCKER-USER chain); skiff never edits docker's tables.
 */
import type { PortBinding } from './ports.js';

export interface FirewallNetwork {
  bridge: string;
  subnet: string;
  /** --internal: no traffic in or out of the bridge other than between its own containers. */
  internal: boolean;
}

export interface FirewallPorts {
  bridge: string;
  ip: string;
  ports: PortBinding[];
}

/** The whole `nft -f` script that replaces table `table` with these rules. Pure. */
export function renderRuleset(table: string, networks: FirewallNetwork[], endpoints: FirewallPorts[]): string {
  const bridges = networks.map((network) => `"${network.bridge}"`);
  const dnat: string[] = [];
  for (const endpoint of endpoints) {
    for (const port of endpoint.ports) {
      const address = port.hostIp ? `ip daddr ${port.hostIp} ` : '';
      dnat.push(`    ${address}${port.protocol} dport ${port.hostPort} dnat to ${endpoint.ip}:${port.containerPort}`);
    }
  }
  const forward: string[] = [];
  const postrouting: string[] = [];
  for (const network of networks) {
    const br = `"${network.bridge}"`;
    if (network.internal) {
      forward.push(`    iifname ${br} oifname != ${br} drop`, `    oifname ${br} iifname != ${br} drop`);
    } else {
      // Isolation: nothing from this bridge into another of ours.
      if (bridges.length > 1) forward.push(`    iifname ${br} oifname != ${br} oifname { ${bridges.join(', ')} } drop`);
      forward.push(`    iifname ${br} accept`, `    oifname ${br} ct state established,related accept`, `    oifname ${br} ct status dnat accept`);
      // Not on lo: the host's own traffic from the gateway address to itself keeps its source.
      postrouting.push(`    ip saddr ${network.subnet} oifname != { ${br}, "lo" } masquerade`);
    }
    // -p on 127.0.0.1: the source must not stay a loopback address on the bridge (route_localnet lets it through).
    postrouting.push(`    oifname ${br} ip saddr 127.0.0.0/8 masquerade`);
    // Hairpin: a container reaching a published port of its own network through the host's address.
    postrouting.push(`    oifname ${br} iifname ${br} ct status dnat masquerade`);
  }
  return [
    `add table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    '  chain ports {',
    ...dnat,
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    fib daddr type local jump ports',
    '  }',
    '  chain output {',
    // nft 1.0.6 names no dstnat priority for the output hook: -100 is its value.
    '    type nat hook output priority -100; policy accept;',
    '    fib daddr type local jump ports',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    ...postrouting,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    ...forward,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The script that removes the table, if it is there. */
export const dropTableScript = (table: string) => `add table ip ${table}\ndelete table ip ${table}\n`;

/** Whether another table's forward chain drops by policy (docker's iptables-nft `ip filter FORWARD`). */
export function forwardBlocked(ruleset: string): boolean {
  return /chain FORWARD \{[^}]*policy drop;/.test(ruleset);
}

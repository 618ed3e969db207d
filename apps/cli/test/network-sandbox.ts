// A sandbox whose root does networking of its own: its bridge, subnet, pool, nft table, interface prefix and
// namespace prefix are this test's (named after the run, so the leftover check finds what it leaves), and its
// default network is docker's `bridge`. After the test: its containers go (sandbox()), then its bridges and table.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { onTestFinished } from 'vitest';
import { suiteIfPrefix, suitePrefix, tempDir } from '../../../test/support.js';
import { sandbox, type Sandbox } from './cli.js';

export interface NetworkSandbox extends Sandbox {
  bridge: string;
  subnet: string;
  /** The bridge's address: the containers' gateway. */
  gateway: string;
  table: string;
  ifPrefix: string;
  netnsPrefix: string;
  /** The resolv.conf this root copies into containers and its DNS responders forward to. */
  resolvConf: string;
}

const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const tryRun = (command: string, args: string[]) => {
  try {
    run(command, args);
  } catch {
    // gone already
  }
};

export function networkSandbox(options: { resolvConf?: string } = {}): NetworkSandbox {
  const tag = randomBytes(2).toString('hex');
  const ifPrefix = suiteIfPrefix();
  const bridge = `${ifPrefix}b${tag}`;
  // A random /24 of 10.200.0.0/13 for the default bridge, a /20 of 10.224.0.0/12 for user networks: tests
  // running in parallel practically never meet.
  const subnet = `10.${200 + randomInt(8)}.${randomInt(256)}.0/24`;
  const pool = `10.${224 + randomInt(16)}.${randomInt(16) * 16}.0/20`;
  const table = `${suitePrefix()}${tag}`;
  const netnsPrefix = `${suitePrefix()}${tag}-`;
  const sb = sandbox();
  const dir = tempDir('skiff-test-net-');
  const resolvConf = join(dir, 'resolv.conf');
  // A loopback resolver nobody listens on: a responder's forwarded query goes nowhere off the host.
  writeFileSync(resolvConf, options.resolvConf ?? `nameserver 127.254.${randomInt(256)}.${randomInt(1, 255)}\noptions ndots:1\n`);
  mkdirSync(sb.root, { recursive: true, mode: 0o700 });
  writeFileSync(join(sb.root, 'config.json'), JSON.stringify({ network: { default: 'bridge', bridge, subnet, pool, table, ifPrefix, netnsPrefix, resolvConf } }));
  // Whichever of this and sandbox()'s clean-up runs first, the containers go (rm -f) before their bridges.
  onTestFinished(async () => {
    for (const id of sb.containers()) await sb.skiff(['rm', '-f', id]);
    const networks = join(sb.root, 'networks');
    const bridges = [bridge, ...(existsSync(networks) ? readdirSync(networks).map((file) => (JSON.parse(readFileSync(join(networks, file), 'utf8')) as { bridge: string }).bridge) : [])];
    for (const name of bridges) if (existsSync(`/sys/class/net/${name}`)) tryRun('ip', ['link', 'del', name]);
    tryRun('nft', ['delete', 'table', 'ip', table]);
    // The exit commands (`skiff cleanup`) of what rm -f killed still write the roots for a while; a network's
    // teardown takes longer than the temp dir removal's retries wait (seen once under full-suite load).
    const base = dirname(sb.root);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && processesMentioning(base).length) await new Promise((resolve) => setTimeout(resolve, 100));
  });
  return { ...sb, bridge, subnet, gateway: subnet.replace(/0\/24$/, '1'), table, ifPrefix, netnsPrefix, resolvConf };
}

/** Pids whose command line names `text` (exit commands carry --root). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The host end of container `id`'s veth on `network`, if it exists (its name is skiff's: endpoints.ts). */
export function hostVeth(sb: NetworkSandbox, id: string, network = 'bridge'): string | undefined {
  const name = sb.ifPrefix + createHash('sha1').update(`${id}\0${network}`).digest('hex').slice(0, 15 - sb.ifPrefix.length);
  return existsSync(`/sys/class/net/${name}`) ? name : undefined;
}

/** Addresses still allocated in the root's IPAM, per network. */
export function allocated(sb: Sandbox): string[] {
  const dir = join(sb.runRoot, 'network', 'ipam');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((network) => readdirSync(join(dir, network)).map((ip) => `${network}/${ip}`));
}

/** The rules of the sandbox's table that DNAT a published port. */
export function dnatRules(sb: NetworkSandbox): string[] {
  try {
    return run('nft', ['list', 'chain', 'ip', sb.table, 'ports']).split('\n').filter((line) => line.includes('dnat'));
  } catch {
    return [];
  }
}

/** Named namespaces of the sandbox's containers (/run/netns). */
export const namedNetns = (sb: NetworkSandbox) => (existsSync('/run/netns') ? readdirSync('/run/netns').filter((name) => name.startsWith(sb.netnsPrefix)) : []);

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument } from '@skiff/plugin';
import { parseCidr } from './addresses.js';

/**
 * How a state root does networking, from the "network" key of <root>/config.json (every field optional):
 *
 *   { "network": { "default": "bridge", "bridge": "skiff0", "subnet": "10.77.0.0/16", "pool": "10.78.0.0/16",
 *                  "table": "skiff", "ifPrefix": "sk", "netnsPrefix": "skiff-", "resolvConf": "/etc/resolv.conf" } }
 *
 * Two roots on one host must not share a bridge, subnet, table or prefix: the test suite gives each test root
 * its own (named after the test run, so its leftover check finds them).
 *
 * The default network may also come from the environment, SKIFF_DEFAULT_NETWORK (config.json wins): the test
 * suite sets `none` for every test that does not test networking (vitest.config.ts says why).
 */
export interface NetworkSettings {
  /** The network of a container that names none: docker's `bridge`, or `none`. */
  defaultNetwork: string;
  /** Linux bridge of the default `bridge` network (at most 15 characters). */
  bridge: string;
  /** Subnet of the default `bridge` network; its first address is the bridge's (the gateway). */
  subnet: string;
  /** Where user networks' /24 subnets come from when `network create` names none. */
  pool: string;
  /** The nftables table (family ip) that holds every rule of this root; replaced whole, atomically. */
  table: string;
  /** Host interfaces this root makes begin with it: veths `<prefix><container id>`, user bridges `<prefix>n<id>`. */
  ifPrefix: string;
  /** Named network namespaces (/run/netns) begin with it; each lives only while its container starts. */
  netnsPrefix: string;
  /** The host's resolver configuration: copied (minus loopback resolvers) into containers; the DNS responders' upstreams. */
  resolvConf: string;
}

export const DEFAULT_SETTINGS: NetworkSettings = {
  defaultNetwork: 'bridge',
  bridge: 'skiff0',
  subnet: '10.77.0.0/16',
  pool: '10.78.0.0/16',
  table: 'skiff',
  ifPrefix: 'sk',
  netnsPrefix: 'skiff-',
  resolvConf: '/etc/resolv.conf',
};

const cache = new Map<string, NetworkSettings>();

/** The settings of state root `root` (defaults for what config.json leaves out). Bad values throw one clear line. */
export function networkSettings(root: string): NetworkSettings {
  const cached = cache.get(root);
  if (cached) return cached;
  let raw: Record<string, unknown> = {};
  const path = join(root, 'config.json');
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { network?: Record<string, unknown> };
    raw = parsed.network ?? {};
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw invalidArgument(`cannot read ${path}: ${(error as Error).message}`);
  }
  const settings = { ...DEFAULT_SETTINGS, defaultNetwork: process.env.SKIFF_DEFAULT_NETWORK || DEFAULT_SETTINGS.defaultNetwork };
  const keys: Record<string, keyof NetworkSettings> = { default: 'defaultNetwork', bridge: 'bridge', subnet: 'subnet', pool: 'pool', table: 'table', ifPrefix: 'ifPrefix', netnsPrefix: 'netnsPrefix', resolvConf: 'resolvConf' };
  for (const [key, field] of Object.entries(keys)) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalidArgument(`${path}: network.${key} must be a string`);
    settings[field] = value;
  }
  validateSettings(settings, path);
  cache.set(root, settings);
  return settings;
}

function validateSettings(settings: NetworkSettings, path: string): void {
  const bad = (key: string, why: string) => invalidArgument(`${path}: network.${key} ${why}`);
  if (!/^[a-z][a-z0-9]{0,6}$/.test(settings.ifPrefix)) throw bad('ifPrefix', 'must be 1 to 7 lower-case letters and digits, starting with a letter');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(settings.bridge)) throw bad('bridge', 'must be an interface name of at most 15 characters');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(settings.table)) throw bad('table', 'must be letters, digits, _ and -');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(settings.netnsPrefix)) throw bad('netnsPrefix', 'must be letters, digits, _ . and -');
  if (!settings.resolvConf.startsWith('/')) throw bad('resolvConf', 'must be an absolute path');
  for (const key of ['subnet', 'pool'] as const) {
    try {
      parseCidr(settings[key]);
    } catch (error) {
      throw bad(key, (error as Error).message);
    }
  }
}

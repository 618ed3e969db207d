/** The container's /etc/hosts, /etc/hostname and /etc/resolv.conf, as docker writes them. Pure. */
import type { ExtraHost } from './names.js';

export interface DnsOptions {
  /** --dns: replaces the nameservers. */
  servers?: string[];
  /** --dns-search: replaces the search domains. */
  search?: string[];
  /** --dns-option: replaces the options. */
  options?: string[];
}

export function hostsFile(entries: { ip?: string | undefined; hostname: string; aliases?: string[]; extraHosts: ExtraHost[] }): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::\tip6-localnet',
    'ff00::\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...entries.extraHosts.map((host) => `${host.ip}\t${host.name}`),
  ];
  if (entries.ip) lines.push(`${entries.ip}\t${[entries.hostname, ...(entries.aliases ?? [])].join(' ')}`);
  return `${lines.join('\n')}\n`;
}

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const line of text.split('\n')) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key === 'nameserver' && values[0]) conf.nameservers.push(values[0]);
    else if (key === 'search' || key === 'domain') conf.search = values;
    else if (key === 'options') conf.options.push(...values);
  }
  return conf;
}

/** Loopback resolvers mean nothing in the container's own network namespace. */
const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1';

/** docker's fallback when the host has nothing a container could reach. */
const FALLBACK = ['8.8.8.8', '8.8.4.4'];

/**
 * The container's resolv.conf: `dnsServer` (a user network's responder) or the host's nameservers minus
 * loopback ones; --dns, --dns-search, --dns-option replace their part.
 */
export function resolvConfFile(host: ResolvConf, dns: DnsOptions, dnsServer?: string): string {
  let servers = dns.servers?.length ? dns.servers : dnsServer ? [dnsServer] : host.nameservers.filter((ip) => !isLoopback(ip));
  if (!servers.length) servers = FALLBACK;
  const search = dns.search?.length ? dns.search : host.search;
  const options = dns.options?.length ? dns.options : host.options;
  const lines = servers.map((ip) => `nameserver ${ip}`);
  if (search.length) lines.push(`search ${search.join(' ')}`);
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

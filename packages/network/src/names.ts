/**
 * Names that reach /etc/hosts, DNS answers, interface names and paths: validated here, once, before anything
 * is written. A name with a space, newline, '#', '/' or a control character could add lines to /etc/hosts or
 * records to the responder's table; none gets past these checks.
 */
import { isIPv4, isIP } from 'node:net';
import { invalidArgument } from '@skiff/plugin';

/** docker's network names: [a-zA-Z0-9][a-zA-Z0-9_.-]*; at most 64 characters here (it is a file name). */
const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A DNS name: labels of letters, digits, '-' and '_' separated by single dots; 253 characters at most. */
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;

/** The network modes that are not networks of their own. */
export const RESERVED_NETWORKS = new Set(['bridge', 'host', 'none', 'default']);

export function checkNetworkName(name: string): string {
  if (!NETWORK_NAME.test(name)) throw invalidArgument(`invalid network name ${JSON.stringify(name)}: use [a-zA-Z0-9][a-zA-Z0-9_.-], at most 64 characters`);
  return name;
}

/** A name other containers may look up (container name, --network-alias, --add-host, --dns-search). */
export function checkDnsName(name: string, what: string): string {
  if (!DNS_NAME.test(name)) throw invalidArgument(`invalid ${what} ${JSON.stringify(name)}: use letters, digits, '-', '_' and '.' (a DNS name)`);
  return name;
}

/** --add-host NAME:IP (or NAME=IP); IP may be `host-gateway` (the network's gateway, as docker). */
export interface ExtraHost {
  name: string;
  ip: string;
}

export function parseAddHost(spec: string): ExtraHost {
  const at = spec.search(/[:=]/);
  if (at <= 0) throw invalidArgument(`invalid --add-host ${JSON.stringify(spec)}: use NAME:IP`);
  const name = checkDnsName(spec.slice(0, at), '--add-host name');
  let ip = spec.slice(at + 1);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip !== 'host-gateway' && !isIP(ip)) throw invalidArgument(`invalid --add-host ${JSON.stringify(spec)}: ${JSON.stringify(ip)} is not an IP address (or host-gateway)`);
  return { name, ip };
}

export function checkDnsServer(ip: string): string {
  if (!isIP(ip)) throw invalidArgument(`invalid --dns ${JSON.stringify(ip)}: not an IP address`);
  return ip;
}

/** A --dns-option: one word, no spaces or control characters (resolv.conf's `options` line). */
export function checkDnsOption(option: string): string {
  if (!/^[A-Za-z0-9_:.-]{1,64}$/.test(option)) throw invalidArgument(`invalid --dns-option ${JSON.stringify(option)}: use one word like ndots:2`);
  return option;
}

/** A function, not the alias `isIPv4` itself: read at the top level, it loaded node:net with the module (the CLI's bundle loads built-ins at first use). */
export const isIpv4 = (text: string): boolean => isIPv4(text);

/** docker's --link-local-ip: an IPv4 address of 169.254.0.0/16 or an IPv6 one of fe80::/10. */
export function checkLinkLocalIp(text: string): string {
  const v4 = isIPv4(text) && text.startsWith('169.254.');
  const v6 = isIP(text) === 6 && /^fe[89ab][0-9a-f]?:/i.test(text);
  if (!v4 && !v6) throw invalidArgument(`invalid --link-local-ip ${JSON.stringify(text)}: it is not a link-local address (169.254.0.0/16 or fe80::/10)`);
  return text;
}

/**
 * docker's --mac-address: six hex octets separated by ':' (or '-'), unicast (the kernel refuses a multicast
 * address on an interface). Returns it in the kernel's form, lower case with ':'.
 */
export function checkMacAddress(text: string): string {
  const mac = text.trim().toLowerCase().replaceAll('-', ':');
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac)) throw invalidArgument(`${JSON.stringify(text)} is not a valid mac address`, { hint: 'six hex octets, e.g. 92:d0:c6:0a:29:33' });
  if (parseInt(mac.slice(0, 2), 16) & 1) throw invalidArgument(`invalid --mac-address ${JSON.stringify(text)}: it is a multicast address; use a unicast one (even first octet, e.g. 02:...)`);
  if (mac === '00:00:00:00:00:00') throw invalidArgument(`invalid --mac-address ${JSON.stringify(text)}: the all-zero address cannot be an interface's`);
  return mac;
}

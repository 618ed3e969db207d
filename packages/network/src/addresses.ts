/** IPv4 arithmetic on numbers: subnets, hosts, MACs. Pure. */
import { invalidArgument } from '@skiff/plugin';

export interface Cidr {
  /** The network address as a 32-bit unsigned number. */
  network: number;
  prefix: number;
}

export function parseIp(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) throw invalidArgument(`invalid IPv4 address ${JSON.stringify(text)}`);
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

export const formatIp = (value: number) => [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');

/** "10.1.2.0/24"; the address must be the network's own (no host bits). Prefixes 8..30. */
export function parseCidr(text: string): Cidr {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (!match) throw invalidArgument(`invalid subnet ${JSON.stringify(text)}: use A.B.C.D/PREFIX`);
  const prefix = Number(match[2]);
  if (prefix < 8 || prefix > 30) throw invalidArgument(`invalid subnet ${JSON.stringify(text)}: the prefix must be between 8 and 30`);
  const network = parseIp(match[1]!);
  if ((network & hostMask(prefix)) !== 0) throw invalidArgument(`invalid subnet ${JSON.stringify(text)}: host bits are set (did you mean ${formatIp(network & ~hostMask(prefix) >>> 0)}/${prefix}?)`);
  return { network, prefix };
}

export const formatCidr = (cidr: Cidr) => `${formatIp(cidr.network)}/${cidr.prefix}`;
const hostMask = (prefix: number) => (prefix === 0 ? 0xffffffff : (2 ** (32 - prefix) - 1)) >>> 0;
export const size = (cidr: Cidr) => 2 ** (32 - cidr.prefix);
export const contains = (cidr: Cidr, ip: number) => ip >= cidr.network && ip < cidr.network + size(cidr);
export const overlaps = (a: Cidr, b: Cidr) => a.network < b.network + size(b) && b.network < a.network + size(a);
/** The first host address: the bridge's, the containers' gateway. */
export const firstHost = (cidr: Cidr) => cidr.network + 1;
/** Addresses containers may get: after the gateway, before the broadcast address. */
export function* hostAddresses(cidr: Cidr, gateway: number): Generator<number> {
  for (let ip = cidr.network + 1; ip < cidr.network + size(cidr) - 1; ip++) if (ip !== gateway) yield ip;
}

/** docker's scheme: 02:42 then the four bytes of the address, so a MAC is unique where the address is. */
export const macFor = (ip: number) => ['02', '42', ...[24, 16, 8, 0].map((shift) => ((ip >>> shift) & 255).toString(16).padStart(2, '0'))].join(':');

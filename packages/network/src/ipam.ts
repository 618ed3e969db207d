/**
 * Address management: one file per address in use (paths.ts), claimed exclusively (claim.ts), so two processes can never
 * take one address, whatever runs in parallel; a killed holder's file stays until reconcile() sees its
 * container gone and releases it.
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SkiffError, invalidArgument } from '@skiff/plugin';
import { formatIp, hostAddresses, parseIp, type Cidr } from './addresses.js';
import { claimed, claimFile } from './claim.js';

/** Takes the first free address of `cidr` (not the gateway) for `owner`. */
export function allocate(dir: string, cidr: Cidr, gateway: number, owner: string, network: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const taken = new Set(readdirSync(dir));
  for (const ip of hostAddresses(cidr, gateway)) {
    const text = formatIp(ip);
    if (taken.has(text)) continue;
    if (claimFile(join(dir, text), owner)) return text;
  }
  throw new SkiffError('UNAVAILABLE', `no free address left in network ${network}`, { hint: 'remove stopped containers, or use a network with a larger subnet' });
}

/**
 * Takes the address the user asked for (docker's --ip) for `owner`: it must be a host address of `cidr` other than
 * the gateway, and free.
 */
export function claimAddress(dir: string, cidr: Cidr, gateway: number, owner: string, network: string, wanted: string): string {
  const ip = parseIp(wanted);
  const text = formatIp(ip);
  if (ip <= cidr.network || ip >= cidr.network + 2 ** (32 - cidr.prefix) - 1 || ip === gateway) {
    throw invalidArgument(`invalid --ip ${JSON.stringify(wanted)}: no matching subnet: network ${network} hands out ${formatIp(cidr.network)}/${cidr.prefix}, gateway ${formatIp(gateway)} excluded`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!claimFile(join(dir, text), owner)) {
    throw new SkiffError('ALREADY_EXISTS', `Address already in use: ${text} on network ${network}`, { hint: 'choose another --ip, or leave it out for a free one' });
  }
  return text;
}

/** Gives `ip` back if `owner` holds it. */
export function release(dir: string, ip: string, owner: string): void {
  parseIp(ip); // never a path of its own
  const file = join(dir, ip);
  try {
    if (readFileSync(file, 'utf8') === owner) unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Address → owner, of every address in use. */
export function allocations(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  let names: string[] = [];
  try {
    names = claimed(readdirSync(dir));
  } catch {
    return found;
  }
  for (const name of names) {
    try {
      found.set(name, readFileSync(join(dir, name), 'utf8'));
    } catch {
      // released meanwhile
    }
  }
  return found;
}

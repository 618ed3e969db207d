/**
 * Address management: one file per address in use (paths.ts), claimed exclusively (claim.ts), so two processes can never
 * take one address, whatever runs in parallel; a killed holder's file stays until reconcile() sees its
 * container gone and releases it.
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SkiffError } from '@skiff/plugin';
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

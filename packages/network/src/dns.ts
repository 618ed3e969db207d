/**
 * Name resolution on a user network: a table of "IP NAME..." lines (every container's name and aliases) and the
 * network's responder, the native skiff-dns, listening on the gateway address. It is started when the table
 * gets its first line and exits by itself (within a second) once the table file is removed: when the last
 * container leaves, or when reconcile finds the containers gone. No daemon outlives the network's use.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SkiffError, writeFileAtomic } from '@skiff/plugin';
import { readEndpoints } from './endpoints.js';
import type { NetworkRecord } from './networks.js';
import type { NetworkPaths } from './paths.js';

export const hostsTable = (paths: NetworkPaths, network: string) => join(paths.dns(network), 'hosts');
const pidFile = (paths: NetworkPaths, network: string) => join(paths.dns(network), 'pid');

type Named = { ip: string; name: string; aliases: string[]; container: string; network: string; veth: string };
const names = (e: Named) => [e.name, ...e.aliases, e.container.slice(0, 12)].map((n) => n.toLowerCase()).join(' ');

/**
 * The table of network `network` from every endpoint: its own containers for everyone, and for each of its
 * containers ("@CLIENT" lines) the containers of the other networks that container is on, as docker resolves
 * names across every network two containers share. Names are checked (names.ts) before they get here.
 */
export function tableLines(network: string, endpoints: Named[]): string {
  const here = endpoints.filter((e) => e.network === network);
  const lines = here.map((e) => `${e.ip} ${names(e)}\n`);
  for (const client of here) {
    const elsewhere = new Set(endpoints.filter((e) => e.container === client.container && e.network !== network).map((e) => e.network));
    for (const e of endpoints) if (elsewhere.has(e.network) && e.container !== client.container) lines.push(`@${client.ip} ${e.ip} ${names(e)}\n`);
  }
  // The responder exits once none of these host veths is left (their containers are dead).
  return `#links ${here.map((e) => e.veth).join(' ')}\n${lines.join('')}`;
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The responder's pid and resident memory (kB), when it runs. */
export function responderStatus(paths: NetworkPaths, network: NetworkRecord): { pid: number; rssKiB: number } | undefined {
  try {
    const [pid, start] = readFileSync(pidFile(paths, network.name), 'utf8').trim().split(' ');
    if (!pid || startTime(Number(pid)) !== start) return undefined;
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { pid: Number(pid), rssKiB: Number(rss?.[1] ?? 0) };
  } catch {
    return undefined;
  }
}

/** Writes the network's table from its endpoints and starts the responder if it is not running. Caller holds the lock. */
export async function refreshDns(paths: NetworkPaths, network: NetworkRecord, binary: string | undefined, resolvConf: string): Promise<void> {
  const all = readEndpoints(paths);
  const endpoints = all.filter((e) => e.network === network.name);
  const dir = paths.dns(network.name);
  if (!endpoints.length) {
    // The responder exits by itself within a second of its table going; told at once, it is gone now.
    const running = responderStatus(paths, network);
    rmSync(dir, { recursive: true, force: true });
    if (running) process.kill(running.pid, 'SIGTERM');
    return;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(hostsTable(paths, network.name), tableLines(network.name, all));
  if (responderStatus(paths, network) || !binary) return;
  const child = spawn(binary, [network.gateway, network.subnet, hostsTable(paths, network.name), resolvConf], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: '/',
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ready = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.stdout!.once('data', () => resolve(true));
    child.once('exit', () => resolve(false));
  });
  child.stdout!.destroy();
  child.stderr!.destroy();
  child.unref();
  if (!ready || child.pid === undefined) {
    throw new SkiffError('INTERNAL', `the DNS responder of network ${network.name} did not start: ${stderr.trim() || 'no reason given'}`);
  }
  await writeFileAtomic(pidFile(paths, network.name), `${child.pid} ${startTime(child.pid)}\n`);
}

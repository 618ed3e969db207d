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

/** The table's lines: names are checked (names.ts) before they get here; lower-cased as DNS compares them. */
export function tableLines(endpoints: { ip: string; name: string; aliases: string[]; container: string }[]): string {
  return endpoints.map((e) => `${e.ip} ${[e.name, ...e.aliases, e.container.slice(0, 12)].map((n) => n.toLowerCase()).join(' ')}\n`).join('');
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
  const endpoints = readEndpoints(paths, network.name);
  const dir = paths.dns(network.name);
  if (!endpoints.length) {
    // The responder exits by itself within a second of its table going; told at once, it is gone now.
    const running = responderStatus(paths, network);
    rmSync(dir, { recursive: true, force: true });
    if (running) process.kill(running.pid, 'SIGTERM');
    return;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(hostsTable(paths, network.name), tableLines(endpoints));
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

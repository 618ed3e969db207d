import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRecord } from '../state/record.js';
import { cgroupOf } from './cgroup.js';
import { isAlive } from './host.js';

/** One reading of a container's cgroup, for `stats` (two readings give CPU %) and `top`. */
export interface StatsSample {
  /** When it was read (monotonic, nanoseconds). */
  readAt: bigint;
  /** CPU time used so far, nanoseconds (null without the cpuacct controller). */
  cpuNs: number | null;
  memoryUsage: number;
  /** null when unlimited: then the host's memory is the limit. */
  memoryLimit: number | null;
  pids: number;
  blockRead: number;
  blockWrite: number;
  /** Bytes received and sent by the container's network interfaces (loopback left out); null: not its own network. */
  netRx: number | null;
  netTx: number | null;
}

/**
 * Reads the container's cgroup. Block I/O comes from cgroup v2's io.stat or v1's blkio.throttle.io_service_bytes_recursive
 * (kept by the kernel whatever the I/O scheduler); without either, it is the sum of /proc/PID/io read_bytes/write_bytes
 * over the processes alive now (what exited is not counted). Network I/O is the init's /proc/PID/net/dev: the
 * counters of the container's own namespace.
 */
export async function sampleStats(record: ContainerRecord): Promise<StatsSample> {
  const cgroup = cgroupOf(record);
  const readAt = process.hrtime.bigint();
  if (!(record.status === 'running' && isAlive(record))) {
    return { readAt, cpuNs: 0, memoryUsage: 0, memoryLimit: null, pids: 0, blockRead: 0, blockWrite: 0, netRx: null, netTx: null };
  }
  const [stats, pids] = await Promise.all([cgroup.stats(), cgroup.getPids().catch(() => [] as number[])]);
  const block = blockIo(cgroup.paths(), pids);
  return {
    readAt,
    cpuNs: stats.cpu?.usageNs ?? null,
    memoryUsage: stats.memory?.usage ?? 0,
    memoryLimit: stats.memory?.limit ?? null,
    pids: stats.pids?.current ?? pids.length,
    blockRead: block.read,
    blockWrite: block.write,
    ...netIo(record),
  };
}

/** Sums of /proc/PID/net/dev's receive and transmit bytes, loopback left out ("eth0: RX_BYTES ... TX_BYTES ..."). */
function netIo(record: ContainerRecord): { netRx: number | null; netTx: number | null } {
  if (record.config.network === 'host' || record.config.network === 'none') return { netRx: null, netTx: null };
  try {
    let rx = 0;
    let tx = 0;
    for (const line of readFileSync(`/proc/${record.pid}/net/dev`, 'utf8').split('\n').slice(2)) {
      const [name, counters] = line.split(':');
      if (counters === undefined || name!.trim() === 'lo') continue;
      const fields = counters.trim().split(/\s+/).map(Number);
      rx += fields[0] ?? 0;
      tx += fields[8] ?? 0;
    }
    return { netRx: rx, netTx: tx };
  } catch {
    return { netRx: null, netTx: null };
  }
}

function blockIo(paths: Record<string, string>, pids: number[]): { read: number; write: number } {
  const total = { read: 0, write: 0 };
  const unified = paths.io ?? paths.unified;
  if (unified) {
    try {
      for (const line of readFileSync(join(unified, 'io.stat'), 'utf8').split('\n')) {
        total.read += Number(/\brbytes=(\d+)/.exec(line)?.[1] ?? 0);
        total.write += Number(/\bwbytes=(\d+)/.exec(line)?.[1] ?? 0);
      }
      return total;
    } catch {
      // no io controller here: fall back to the processes
    }
  }
  if (paths.blkio) {
    try {
      for (const line of readFileSync(join(paths.blkio, 'blkio.throttle.io_service_bytes_recursive'), 'utf8').split('\n')) {
        const match = /^\d+:\d+ (Read|Write) (\d+)$/.exec(line.trim());
        if (match) total[match[1] === 'Read' ? 'read' : 'write'] += Number(match[2]);
      }
      return total;
    } catch {
      // a container started before skiff joined blkio: fall back to the processes
    }
  }
  for (const pid of pids) {
    try {
      const io = readFileSync(`/proc/${pid}/io`, 'utf8');
      total.read += Number(/^read_bytes: (\d+)/m.exec(io)?.[1] ?? 0);
      total.write += Number(/^write_bytes: (\d+)/m.exec(io)?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

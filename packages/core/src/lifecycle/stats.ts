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
}

/**
 * Reads the container's cgroup. Block I/O comes from cgroup v2's io.stat; on v1 skiff makes no blkio cgroup, so
 * it is the sum of /proc/PID/io read_bytes/write_bytes over the processes alive now (what exited is not counted).
 */
export async function sampleStats(record: ContainerRecord): Promise<StatsSample> {
  const cgroup = cgroupOf(record);
  const readAt = process.hrtime.bigint();
  if (!(record.status === 'running' && isAlive(record))) {
    return { readAt, cpuNs: 0, memoryUsage: 0, memoryLimit: null, pids: 0, blockRead: 0, blockWrite: 0 };
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
  };
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

import { totalmem } from 'node:os';
import type { ContainerRecord, StatsSample } from '@skiff/core';
import { bytesSize, humanSize } from '../format.js';
import { struct } from '../template/index.js';

const STATS_TYPE = '*formatter.statsContext';

const percent = (value: number) => `${(Number.isFinite(value) ? value : 0).toFixed(2)}%`;

/**
 * One row of docker stats from two readings of the container's cgroup (CPU % is their CPU time over wall time);
 * zeros for a container that is not running, as docker shows it.
 */
export function statsRow(record: ContainerRecord, first: StatsSample | undefined, second: StatsSample | undefined, trunc: boolean) {
  const running = second !== undefined && record.status === 'running';
  const wallNs = first && second ? Number(second.readAt - first.readAt) : 0;
  const cpuNs = first?.cpuNs != null && second?.cpuNs != null ? second.cpuNs - first.cpuNs : 0;
  const limit = second?.memoryLimit ?? totalmem();
  const usage = second?.memoryUsage ?? 0;
  return struct(STATS_TYPE, {
    BlockIO: running ? `${humanSize(second.blockRead)} / ${humanSize(second.blockWrite)}` : '0B / 0B',
    CPUPerc: percent(running && wallNs > 0 ? (cpuNs / wallNs) * 100 : 0),
    Container: trunc ? record.id.slice(0, 12) : record.id,
    ID: trunc ? record.id.slice(0, 12) : record.id,
    MemPerc: percent(running ? (usage / limit) * 100 : 0),
    MemUsage: running ? `${bytesSize(usage)} / ${bytesSize(limit)}` : '0B / 0B',
    Name: record.name,
    // No network of its own (none) moves no bytes; the host's network is not the container's to count.
    NetIO: record.config.network === 'none' || !running ? '0B / 0B' : second.netRx === null ? '--' : `${humanSize(second.netRx)} / ${humanSize(second.netTx ?? 0)}`,
    PIDs: running ? String(second.pids) : '0',
  });
}

export const STATS_HEADER = struct(STATS_TYPE, {
  BlockIO: 'BLOCK I/O',
  CPUPerc: 'CPU %',
  Container: 'CONTAINER',
  ID: 'CONTAINER ID',
  MemPerc: 'MEM %',
  MemUsage: 'MEM USAGE / LIMIT',
  Name: 'NAME',
  NetIO: 'NET I/O',
  PIDs: 'PIDS',
});

export const STATS_TABLE = '{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

import type { ContainerRecord } from '@skiff/core';
import { ago, humanDuration } from '../format.js';
import { struct } from '../template/index.js';

/** docker's COMMAND column: the command line, quoted, cut to 20 characters with an ellipsis. */
export function commandColumn(args: string[], width = 20): string {
  const line = args.map((arg) => (/[\s'"]/.test(arg) ? `'${arg}'` : arg)).join(' ');
  return `"${line.length > width ? `${line.slice(0, width - 1)}…` : line}"`;
}

/** docker's STATUS column. */
export function statusColumn(record: ContainerRecord, now = Date.now(), health?: string): string {
  if (record.status === 'running') {
    // docker: "(Paused)", else the health: "(healthy)", "(unhealthy)", "(health: starting)"
    const suffix = record.paused ? ' (Paused)' : health === 'starting' ? ' (health: starting)' : health ? ` (${health})` : '';
    return `Up ${humanDuration(now - Date.parse(record.startedAt ?? record.created))}${suffix}`;
  }
  if (record.status === 'created') return 'Created';
  return `Exited (${record.exitCode ?? 0}) ${ago(record.finishedAt ?? record.created, now)}`;
}

/** Go's time.Time String(), as docker prints CreatedAt: `2026-12-01 00:04:12 +0000 UTC`. */
export function goTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

/** `k=v,k2=v2`, docker's Labels column. */
export const labelList = (labels: Record<string, string> = {}) =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');

/** docker's ps template fields, in the order its `{{json .}}` prints them. */
export interface ContainerRow {
  Command: string;
  CreatedAt: string;
  ID: string;
  Image: string;
  Labels: string;
  LocalVolumes: string;
  Mounts: string;
  Names: string;
  Networks: string;
  Ports: string;
  RunningFor: string;
  Size: string;
  State: string;
  Status: string;
  /** `{{.Label "key"}}`. */
  Label(key: unknown): string;
}

export const CONTAINER_TYPE = '*formatter.ContainerContext';

export function containerRow(record: ContainerRecord, options: { trunc: boolean; now: number; size?: string; ports?: string; health?: string }): ContainerRow {
  const labels = record.config.labels ?? {};
  return struct<ContainerRow>(CONTAINER_TYPE, {
    Command: commandColumn(record.config.args, options.trunc ? 20 : Number.MAX_SAFE_INTEGER),
    CreatedAt: goTime(record.created),
    ID: options.trunc ? record.id.slice(0, 12) : record.id,
    Image: record.config.image,
    Labels: labelList(labels),
    LocalVolumes: String(record.config.volumes.filter((volume) => volume.volume && volume.driver === 'local').length),
    Mounts: record.config.volumes.map((volume) => volume.volume?.name ?? volume.source).join(','),
    Names: record.name,
    Networks: record.config.network,
    Ports: options.ports ?? '',
    RunningFor: ago(record.created, options.now),
    Size: options.size ?? '0B',
    State: record.status === 'stopped' ? 'exited' : record.paused ? 'paused' : record.status,
    Status: statusColumn(record, options.now, options.health),
    Label: (key) => (typeof key === 'string' && Object.hasOwn(labels, key) ? labels[key]! : ''),
  });
}

/** What each field prints as its column title in `table` formats. */
export const CONTAINER_HEADER = struct(CONTAINER_TYPE, {
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Labels: 'LABELS',
  LocalVolumes: 'LOCAL VOLUMES',
  Mounts: 'MOUNTS',
  Names: 'NAMES',
  Networks: 'NETWORKS',
  Ports: 'PORTS',
  RunningFor: 'CREATED',
  Size: 'SIZE',
  State: 'STATE',
  Status: 'STATUS',
  Label: (key: unknown) => String(key).split('.').pop()!.replace(/[-_]/g, ' ').toUpperCase(),
});

/** skiff's default `ps` columns (docker's, less PORTS until containers publish ports). */
export const PS_TABLE = '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

import type { VolumeInfo } from '@skiff/plugin';
import { struct } from '../template/index.js';
import { labelList } from './ps-rows.js';

interface VolumeRecord {
  name: string;
  driver: string;
  labels: Record<string, string>;
}

/** `volume inspect` and `inspect`'s JSON for a volume, docker's field names. */
export function volumeJson(record: VolumeRecord, info: VolumeInfo) {
  return {
    CreatedAt: info.createdAt,
    Driver: record.driver,
    Labels: record.labels,
    Mountpoint: info.mountpoint,
    Name: record.name,
    Options: info.options,
    Scope: 'local',
    ...(info.status ? { Status: info.status } : {}),
  };
}

const VOLUME_TYPE = '*formatter.volumeContext';

/** docker's `volume ls` template fields, in its `{{json .}}` order; `mountpoint` only when it was looked up. */
export function volumeRow(record: VolumeRecord, mountpoint: string) {
  return struct(VOLUME_TYPE, {
    Availability: 'N/A',
    Driver: record.driver,
    Group: 'N/A',
    Labels: labelList(record.labels),
    Links: 'N/A',
    Mountpoint: mountpoint,
    Name: record.name,
    Scope: 'local',
    Size: 'N/A',
    Status: 'N/A',
    Label: (key: unknown) => (typeof key === 'string' && Object.hasOwn(record.labels, key) ? record.labels[key]! : ''),
  });
}

export const VOLUME_HEADER = struct(VOLUME_TYPE, {
  Availability: 'AVAILABILITY',
  Driver: 'DRIVER',
  Group: 'GROUP',
  Labels: 'LABELS',
  Links: 'LINKS',
  Mountpoint: 'MOUNTPOINT',
  Name: 'VOLUME NAME',
  Scope: 'SCOPE',
  Size: 'SIZE',
  Status: 'STATUS',
  Label: (key: unknown) => String(key).toUpperCase(),
});

export const VOLUME_TABLE = '{{.Driver}}\t{{.Name}}';

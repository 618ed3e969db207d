/**
 * docker run's block I/O flags into @skiff/cgroups' `BlkioResources`: --blkio-weight, --blkio-weight-device,
 * --device-read-bps, --device-write-bps, --device-read-iops, --device-write-iops. A device is named by a path
 * under /dev (docker's rule) that must be a block device on this host; only its numbers reach the kernel.
 */
import { statSync, type Stats } from 'node:fs';
import type { BlkioDeviceValue, BlkioResources } from '@skiff/cgroups';
import { invalidArgument as invalid } from '@skiff/plugin/errors';
import { parseBytes } from './resources.js';

const quote = (value: unknown) => JSON.stringify(String(value));

export interface BlkioFlags {
  blkioWeight?: string;
  blkioWeightDevice?: string[];
  deviceReadBps?: string[];
  deviceWriteBps?: string[];
  deviceReadIops?: string[];
  deviceWriteIops?: string[];
}

/** 10..1000, docker's range (0: the kernel's default, left alone). */
function weight(text: string, flag: string): number | undefined {
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || (value !== 0 && (value < 10 || value > 1000))) {
    throw invalid(`invalid ${flag} ${quote(text)}: range of blkio weight is from 10 to 1000`);
  }
  return value === 0 ? undefined : value;
}

/** The kernel's dev_t encoding (glibc major()/minor()). */
export function deviceNumbers(rdev: number): { major: number; minor: number } {
  return {
    major: ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff),
    minor: (rdev & 0xff) | ((rdev >>> 12) & ~0xff & 0xfffff),
  };
}

/** DEVICE:VALUE, DEVICE a block device under /dev (symlinks, such as /dev/disk/by-id/..., name their target). */
function deviceValue(spec: string, flag: string, value: (text: string) => number, stat: (path: string) => Stats): BlkioDeviceValue {
  const colon = spec.lastIndexOf(':');
  if (colon <= 0) throw invalid(`invalid ${flag} ${quote(spec)}: expected DEVICE:VALUE, e.g. /dev/sda:10mb`);
  const path = spec.slice(0, colon);
  if (!path.startsWith('/dev/') || path.split('/').includes('..')) {
    throw invalid(`invalid ${flag} ${quote(spec)}: bad format for device path, it must be a path under /dev/`);
  }
  let info: Stats;
  try {
    info = stat(path);
  } catch {
    throw invalid(`invalid ${flag} ${quote(spec)}: ${path} does not exist on this host`);
  }
  if (!info.isBlockDevice()) throw invalid(`invalid ${flag} ${quote(spec)}: ${path} is not a block device`);
  return { path, ...deviceNumbers(info.rdev), value: value(spec.slice(colon + 1)) };
}

/** All block I/O flags; undefined when none was given. */
export function blkioFromFlags(flags: BlkioFlags, stat: (path: string) => Stats = statSync): BlkioResources | undefined {
  const blkio: BlkioResources = {};
  if (flags.blkioWeight !== undefined) {
    const value = weight(flags.blkioWeight, '--blkio-weight');
    if (value !== undefined) blkio.weight = value;
  }
  const rate = (flag: string) => (text: string) => {
    const bytes = parseBytes(text, flag);
    if (bytes <= 0) throw invalid(`invalid ${flag} rate ${quote(text)}: expected a positive size such as 1mb`);
    return bytes;
  };
  const iops = (flag: string) => (text: string) => {
    if (!/^\d+$/.test(text) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) {
      throw invalid(`invalid ${flag} rate ${quote(text)}: expected a positive whole number of operations per second`);
    }
    return Number(text);
  };
  const each = (specs: string[] | undefined, flag: string, value: (text: string) => number) =>
    (specs ?? []).map((spec) => deviceValue(spec, flag, value, stat));
  const weightDevice = each(flags.blkioWeightDevice, '--blkio-weight-device', (text) => {
    const value = weight(text, '--blkio-weight-device');
    if (value === undefined) throw invalid(`invalid --blkio-weight-device weight ${quote(text)}: range of blkio weight is from 10 to 1000`);
    return value;
  });
  const lists = {
    weightDevice,
    readBps: each(flags.deviceReadBps, '--device-read-bps', rate('--device-read-bps')),
    writeBps: each(flags.deviceWriteBps, '--device-write-bps', rate('--device-write-bps')),
    readIops: each(flags.deviceReadIops, '--device-read-iops', iops('--device-read-iops')),
    writeIops: each(flags.deviceWriteIops, '--device-write-iops', iops('--device-write-iops')),
  };
  for (const [key, list] of Object.entries(lists)) if (list.length) blkio[key as keyof typeof lists] = list;
  return Object.keys(blkio).length ? blkio : undefined;
}

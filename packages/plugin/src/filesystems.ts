/** What the host can do: filesystems the kernel knows and the filesystem a directory is on. */
import { readFileSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/** statfs(2) f_type values (linux/magic.h) the drivers care about. */
export const FS_MAGIC = {
  overlay: 0x794c7630,
  nfs: 0x6969,
  aufs: 0x61756673,
  tmpfs: 0x01021994,
} as const;

/**
 * Whether /proc/filesystems lists `name` (lines are "nodev\tname" or "\tname"). A filesystem built as a module
 * that is not loaded yet is absent; drivers report that as unsupported rather than running modprobe.
 */
export function filesystemListed(procFilesystems: string, name: string): boolean {
  return procFilesystems.split('\n').some((line) => line.split('\t').pop()?.trim() === name);
}

export async function kernelHasFilesystem(name: string, file = '/proc/filesystems'): Promise<boolean> {
  try {
    return filesystemListed(readFileSync(file, 'utf8'), name);
  } catch {
    return false;
  }
}

/** f_type of the filesystem holding `path`, or of its nearest existing ancestor when it does not exist yet. */
export async function filesystemType(path: string): Promise<number> {
  for (let current = path; ; current = dirname(current)) {
    try {
      return statfsSync(current).type;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || current === dirname(current)) throw error;
    }
  }
}

const NAMES: Record<number, string> = {
  [FS_MAGIC.overlay]: 'overlayfs',
  [FS_MAGIC.nfs]: 'NFS',
  [FS_MAGIC.aufs]: 'aufs',
  [FS_MAGIC.tmpfs]: 'tmpfs',
};

/** A human name for the f_type values we refuse or mention. */
export function filesystemName(type: number): string {
  return NAMES[type] ?? `filesystem type 0x${type.toString(16)}`;
}

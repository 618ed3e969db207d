import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/**
 * `docker diff` and `ps -s` read a container's writable layer (overlay's upper dir), which the container itself
 * can change while we read it. The walk is fd-relative: each directory is opened with O_NOFOLLOW|O_DIRECTORY and
 * its entries are reached through `/proc/self/fd/N/NAME`, whose last component is never followed. A directory
 * swapped for a symlink between listing and opening fails to open (ELOOP/ENOTDIR) and is reported as it was
 * seen, never walked: nothing outside the layer is listed or measured.
 *
 * Overlay's on-disk conventions read here: a whiteout (a deleted lower file) is a character device 0:0; a
 * directory present in a lower layer is "changed" (C) when anything under it changed, a new one is "added" (A).
 * Opaque directories (the trusted.overlay.opaque xattr) are not detected: Node cannot read xattrs.
 */

export interface Change {
  kind: 'A' | 'C' | 'D';
  /** Absolute path inside the container. */
  path: string;
}

const OPEN_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** Calls `visit` for each entry under `root` (depth first, names sorted); a `false` from visit skips a directory's contents. */
export function walkLayer(root: string, visit: (path: string, stat: Stats) => boolean | void): void {
  let fd: number;
  try {
    fd = openSync(root, OPEN_DIR);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    walkFd(fd, '', visit);
  } finally {
    closeSync(fd);
  }
}

function walkFd(fd: number, prefix: string, visit: (path: string, stat: Stats) => boolean | void): void {
  const self = `/proc/self/fd/${fd}`;
  let names: string[];
  try {
    names = readdirSync(self).sort();
  } catch (error) {
    // A directory removed since it was opened: getdents answers ENOENT for a dead directory. Nothing to list.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of names) {
    let stat: Stats;
    try {
      stat = lstatSync(`${self}/${name}`);
    } catch {
      continue; // removed meanwhile
    }
    const path = `${prefix}/${name}`;
    if (visit(path, stat) === false || !stat.isDirectory()) continue;
    let child: number;
    try {
      child = openSync(`${self}/${name}`, OPEN_DIR);
    } catch {
      continue; // swapped for a symlink or a file since the lstat: not walked
    }
    try {
      const opened = fstatSync(child);
      if (opened.ino === stat.ino && opened.dev === stat.dev) walkFd(child, path, visit);
    } finally {
      closeSync(child);
    }
  }
}

/** Whether `path` exists in an image layer, walking its components without following any symlink. */
function inLayer(layer: string, path: string): boolean {
  const parts = path.split('/').filter(Boolean);
  let current = layer;
  for (const [index, part] of parts.entries()) {
    current = join(current, part);
    try {
      const stat = lstatSync(current);
      if (index < parts.length - 1 && !stat.isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

const isWhiteout = (stat: Stats) => stat.isCharacterDevice() && stat.rdev === 0;

/** The changes of a writable layer against its image's layers, sorted by path (docker diff's output). */
export function layerChanges(upper: string, lowers: string[]): Change[] {
  const changes: Change[] = [];
  walkLayer(upper, (path, stat) => {
    const below = lowers.some((layer) => inLayer(layer, path));
    if (isWhiteout(stat)) {
      changes.push({ kind: 'D', path });
      return false;
    }
    changes.push({ kind: below ? 'C' : 'A', path });
    return true;
  });
  return changes;
}

/** Bytes of the regular files and symlinks in a writable layer, each inode counted once. */
export function layerSize(upper: string): number {
  const seen = new Set<string>();
  let total = 0;
  walkLayer(upper, (_path, stat) => {
    const key = `${stat.dev}:${stat.ino}`;
    if (!stat.isDirectory() && !seen.has(key)) {
      seen.add(key);
      total += stat.size;
    }
  });
  return total;
}

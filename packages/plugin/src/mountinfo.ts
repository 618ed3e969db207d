/**
 * The mounts of this process's mount namespace, from /proc/self/mountinfo: what is mounted at or below a path
 * (so that nothing deletes through a mount point), and which mount holds a path.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** One line of /proc/self/mountinfo (see proc(5)), with the octal escapes decoded. */
export interface MountInfoEntry {
  mountId: number;
  parentId: number;
  /** "major:minor" of the filesystem. */
  device: string;
  /** Path of the mounted directory inside its filesystem ('/' unless a bind mount of a subtree). */
  root: string;
  /** Where it is mounted, in this process's mount namespace. */
  mountPoint: string;
  fsType: string;
  source: string;
  /** Per-superblock options (`rw,lowerdir=...`; a cgroup v1 mount lists its controllers here). */
  superOptions: string[];
}

/** The kernel escapes space, tab, newline and backslash in mountinfo as \040, \011, \012, \134. */
const decodeMountField = (field: string) =>
  field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** Parses mountinfo text; exported for tests. Lines that do not parse are skipped. */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const entries: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    // Optional fields (shared:N, master:N ...) end at a lone '-'; then fstype, source, super options.
    const separator = fields.indexOf('-', 6);
    if (fields.length < 7 || separator < 0) continue;
    entries.push({
      mountId: Number(fields[0]),
      parentId: Number(fields[1]),
      device: fields[2] ?? '',
      root: decodeMountField(fields[3] ?? ''),
      mountPoint: decodeMountField(fields[4] ?? ''),
      fsType: fields[separator + 1] ?? '',
      source: decodeMountField(fields[separator + 2] ?? ''),
      superOptions: (fields[separator + 3] ?? '').split(','),
    });
  }
  return entries;
}

/** The mounts of this process's mount namespace, in mount order. */
export function readMountInfo(file = '/proc/self/mountinfo'): MountInfoEntry[] {
  return parseMountInfo(readFileSync(file, 'utf8'));
}

const isAtOrBelow = (candidate: string, dir: string) =>
  candidate === dir || candidate.startsWith(dir === '/' ? '/' : `${dir}/`);

/** The absolute path with symlinks resolved as far as it exists (mountinfo only shows canonical paths). */
function canonical(path: string): string {
  let head = resolve(path);
  const tail: string[] = [];
  for (;;) {
    try {
      return join(realpathSync.native(head), ...tail);
    } catch {
      const parent = resolve(head, '..');
      if (parent === head) return resolve(path);
      tail.unshift(basename(head));
      head = parent;
    }
  }
}

/**
 * Mount points of this mount namespace at or below `path` (the path itself included), shallowest first.
 * Both the path as given and its canonical form are checked, so a symlinked parent cannot hide a mount.
 */
export function mountPointsUnder(path: string, mounts: MountInfoEntry[] = readMountInfo()): string[] {
  const dirs = new Set([resolve(path), canonical(path)]);
  const found = new Set<string>();
  for (const entry of mounts) {
    for (const dir of dirs) if (isAtOrBelow(entry.mountPoint, dir)) found.add(entry.mountPoint);
  }
  return [...found].sort((a, b) => a.length - b.length);
}

/**
 * The mount that holds `path` (the entry with the longest mount point that is a prefix of its canonical form;
 * among stacked mounts, the last one). Overlayfs needs upper and work dirs under the same mount, not only on the
 * same device.
 */
export function mountOf(path: string, mounts: MountInfoEntry[] = readMountInfo()): MountInfoEntry | undefined {
  const target = canonical(path);
  let best: MountInfoEntry | undefined;
  for (const entry of mounts) {
    if (!isAtOrBelow(target, entry.mountPoint)) continue;
    if (!best || entry.mountPoint.length >= best.mountPoint.length) best = entry;
  }
  return best;
}

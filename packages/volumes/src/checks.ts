/** Checks shared by the volume drivers: host directories, mounts, request sanity. */
import { closeSync, constants, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, posix } from 'node:path';
import { invalidArgument, mountOf, type VolumeRequest } from '@skiff/plugin';

/**
 * mkdir -p with every directory it creates set to exactly `mode` (0755 by default) whatever the umask; earlier
 * runtimes created host directories 0777, or failed when the directory already existed. Returns the
 * directories it created, top-most first.
 * Race-free against a container that can write the parent (it has it as a volume): each directory is made
 * and opened relative to the fd of the one above (through /proc/self/fd/N, whose last component is never
 * followed by mkdir, nor by an O_NOFOLLOW open), and chmod is an fchmod of that fd. A symlink swapped in
 * meanwhile fails the call instead of redirecting it (a host file once became 0755 that way).
 */
export async function makeDirs(path: string, mode = 0o755): Promise<string[]> {
  const missing: string[] = [];
  let existing = path;
  for (; ; existing = dirname(existing)) {
    const info = await lstat(existing).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (info || existing === dirname(existing)) break;
    missing.unshift(basename(existing));
  }
  if (missing.length === 0) return [];
  const created: string[] = [];
  let fd = openSync(existing, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    let current = existing;
    for (const name of missing) {
      current = join(current, name);
      const at = `/proc/self/fd/${fd}/${name}`;
      let made = true;
      try {
        mkdirSync(at, { mode: 0o700 });
      } catch (error) {
        // Someone else created it meanwhile: fine if it is a directory (the open below checks); theirs, so
        // leave its mode alone.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        made = false;
      }
      let child: number;
      try {
        child = openSync(at, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ELOOP' || code === 'ENOTDIR') throw invalidArgument(`cannot create ${current}: it is not a directory (or was replaced while being created)`);
        throw error;
      }
      closeSync(fd);
      fd = child;
      if (made) {
        fchmodSync(fd, mode);
        created.push(current);
      }
    }
  } finally {
    closeSync(fd);
  }
  return created;
}

/**
 * The canonical form of an absolute path: the realpath of its longest existing prefix, joined with the missing
 * rest. This is what the helper then opens without following symlinks (Mount.hostPath).
 */
export async function canonicalHostPath(path: string): Promise<string> {
  const missing: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    try {
      return join(await realpath(current), ...missing);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || current === dirname(current)) throw error;
      missing.unshift(basename(current));
    }
  }
}

/**
 * Whether two existing paths are under the same mount (overlayfs requires upperdir and workdir to be: "workdir
 * and upperdir must reside under the same mount"). Same device and same mountinfo entry.
 */
export async function sameMount(a: string, b: string): Promise<boolean> {
  const [infoA, infoB] = await Promise.all([stat(a), stat(b)]);
  if (infoA.dev !== infoB.dev) return false;
  return mountOf(a)?.mountId === mountOf(b)?.mountId;
}

/** True when `inner` is `outer` or lies below it (both normalised absolute paths). */
export const isWithin = (inner: string, outer: string) => inner === outer || inner.startsWith(outer === '/' ? '/' : `${outer}/`);

/** Normalises an absolute path: collapses '//' and '.', drops a trailing '/'. */
export function normalizePath(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

/** The checks every driver makes before trusting a request built by someone else. */
export function checkRequest(driver: string, request: VolumeRequest, allowedOptions: string[]): void {
  for (const [what, value] of [['host path', request.source], ['container path', request.target]] as const) {
    if (typeof value !== 'string' || value.includes('\0')) throw invalidArgument(`${driver} volume: ${what} ${JSON.stringify(value)} is invalid`);
    if (!isAbsolute(value)) throw invalidArgument(`${driver} volume: ${what} ${JSON.stringify(value)} is not absolute`);
    if (value.split('/').includes('..')) throw invalidArgument(`${driver} volume: ${what} ${JSON.stringify(value)} contains '..'`);
  }
  if (normalizePath(request.target) === '/') throw invalidArgument(`${driver} volume: cannot mount a volume over the container's root /`);
  for (const key of Object.keys(request.options)) {
    if (!allowedOptions.includes(key)) {
      const known = allowedOptions.length ? `it takes ${allowedOptions.join(', ')}` : 'it takes no options';
      throw invalidArgument(`${driver} volume: unknown option "${key}" (${known})`);
    }
  }
}

/** Checks shared by the volume drivers: host directories, mounts, request sanity. */
import { lstat, mkdir, chmod, stat } from 'node:fs/promises';
import { dirname, isAbsolute, posix } from 'node:path';
import { invalidArgument, mountOf, type VolumeRequest } from '@skiff/plugin';

/**
 * mkdir -p with every directory it creates set to exactly `mode` (0755 by default) whatever the umask; earlier
 * runtimes created host directories 0777, or failed when the directory already existed. Returns the
 * directories it created, top-most first.
 */
export async function makeDirs(path: string, mode = 0o755): Promise<string[]> {
  const missing: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    const info = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (info) break;
    missing.unshift(current);
    if (current === dirname(current)) break;
  }
  for (const dir of missing) {
    try {
      await mkdir(dir, { mode });
    } catch (error) {
      // Someone else created it meanwhile: fine if it is a directory; theirs, so leave its mode alone.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(dir)).isDirectory()) continue;
      throw error;
    }
    await chmod(dir, mode);
  }
  return missing;
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

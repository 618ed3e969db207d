/**
 * Filesystem guards every driver needs, dependency-free (node:fs only).
 *
 * - `removeTree` (with mountinfo.ts): never `rm -rf` a tree that still has a mount inside it. An earlier
 *   runtime deleted a user's data by removing a container directory while a volume was still mounted in it.
 * - `directoryIdentity` / `removeDirectoryAt`: delete a directory a container may be able to change without
 *   ever following a symlink it swaps in (an overlay volume's work dir beside the host dir once led skiff to
 *   empty an unrelated host directory).
 * - `resolveInRoot`: resolve a container path against a host directory the way openat2(RESOLVE_IN_ROOT) does,
 *   so a symlink in an image (`/data -> /../../etc`) can never lead a mount or a write outside the root.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { failedPrecondition, invalidArgument } from './errors.js';
import { mountPointsUnder } from './mountinfo.js';


/**
 * `rm -rf path`, but refuses (FAILED_PRECONDITION) when anything is mounted at or below it: deleting through a
 * mount point deletes the mounted filesystem's files, which may be a user's volume. Resolves when already gone.
 * Only this process's mount namespace is visible; container mounts live in the container's own namespace and
 * vanish with it, so they never pin host trees.
 * A small tree (the usual empty layer of a short-lived container) goes in one synchronous call, several times
 * faster here than a thread-pool round trip per entry; a larger one asynchronously, so that it never holds the
 * event loop (and with it the refresh timer of a lock the caller holds) for long.
 */
export async function removeTree(path: string): Promise<void> {
  const mounted = mountPointsUnder(path);
  if (mounted.length > 0) {
    throw failedPrecondition(`${path} still has a mount at ${mounted[0]}; not deleting`, {
      hint: `unmount ${mounted.join(', ')} first`,
    });
  }
  if (hasAtMost(path, SYNC_REMOVE_MAX_ENTRIES) !== undefined) rmSync(path, { recursive: true, force: true, maxRetries: 3 });
  else await rm(path, { recursive: true, force: true, maxRetries: 3 });
}

/** Entries a tree may have to be deleted synchronously (see removeTree). */
const SYNC_REMOVE_MAX_ENTRIES = 256;

/** What is left of `budget` after counting the entries below `dir` (not following symlinks); undefined once over. */
function hasAtMost(dir: string, budget: number): number | undefined {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return budget; // not a directory, or gone: rm decides
  }
  let left = budget - entries.length;
  for (const entry of entries) {
    if (left < 0) return undefined;
    if (entry.isDirectory()) {
      const rest = hasAtMost(join(dir, entry.name), left);
      if (rest === undefined) return undefined;
      left = rest;
    }
  }
  return left < 0 ? undefined : left;
}

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS); openat2 returns ELOOP beyond it. */
export const MAX_SYMLINKS = 40;

/**
 * Resolves `path` (a path inside a container, normally absolute) against the host directory `root` as
 * openat2(RESOLVE_IN_ROOT) would: component by component, following symlinks with lstat/readlink, where an
 * absolute symlink target restarts at `root` and `..` never climbs above it. Returns a host path inside `root`
 * (lexically: `root` joined with components that are neither '.', '..' nor symlinks as seen during the walk).
 * The result may not exist yet: missing components are taken literally.
 *
 * Throws INVALID_ARGUMENT on a NUL byte or after more than 40 symlinks (a loop).
 * This is a check at one moment: whoever then writes must not let an untrusted process swap a component for a
 * symlink meanwhile (the native helper re-resolves with openat2 in the container's namespace).
 */
export function resolveInRoot(root: string, path: string): string {
  if (root.includes('\0') || path.includes('\0')) throw invalidArgument(`path ${JSON.stringify(path)} contains a NUL byte`);
  const base = resolve(root);
  const resolved: string[] = [];
  const pending = path.split('/').reverse();
  let symlinks = 0;
  while (pending.length > 0) {
    const component = pending.pop() as string;
    if (component === '' || component === '.') continue;
    if (component === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join(base, ...resolved, component);
    let isSymlink = false;
    try {
      isSymlink = lstatSync(candidate).isSymbolicLink();
    } catch {
      // Missing (or not a directory on the way): take it literally; nothing there can redirect us.
    }
    if (!isSymlink) {
      resolved.push(component);
      continue;
    }
    if (++symlinks > MAX_SYMLINKS) {
      throw invalidArgument(`too many levels of symbolic links resolving ${path} inside ${root}`);
    }
    const target = readlinkSync(candidate);
    if (isAbsolute(target)) resolved.length = 0;
    pending.push(...target.split('/').reverse());
  }
  return join(base, ...resolved);
}

/** Device and inode of a directory: what `removeDirectoryAt` checks it is deleting. */
export interface DirectoryIdentity {
  dev: number;
  ino: number;
}

const NO_FOLLOW_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
/** The entry NAME of the directory open as fd: resolving it follows only the fd's magic link, never NAME itself. */
const at = (fd: number, name: string) => `/proc/self/fd/${fd}/${name}`;

/**
 * Opens directory `path` without following a symlink in its last component; refuses one that is not ours
 * (owner other than this process's user) or, with `device`, on another filesystem. Returns the fd or
 * undefined when `path` is gone.
 */
function openOwnDirectory(path: string, device?: number): { fd: number; identity: DirectoryIdentity } | undefined {
  let fd: number;
  try {
    fd = openSync(path, NO_FOLLOW_DIR);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'ENOTDIR') throw failedPrecondition(`${path} is not a directory (a symlink?); not touching it`);
    throw error;
  }
  const info = fstatSync(fd);
  const problem =
    info.uid !== process.getuid?.() ? `is owned by uid ${info.uid}, not skiff's` : device !== undefined && info.dev !== device ? 'is on another filesystem' : undefined;
  if (problem) {
    closeSync(fd);
    throw failedPrecondition(`${path} ${problem}; not touching it`);
  }
  return { fd, identity: { dev: info.dev, ino: info.ino } };
}

/** The identity of directory `path` (no symlink followed; owned by us; on `device` if given), for removeDirectoryAt. */
export function directoryIdentity(path: string, device?: number): DirectoryIdentity | undefined {
  const opened = openOwnDirectory(path, device);
  if (!opened) return undefined;
  closeSync(opened.fd);
  return opened.identity;
}

/**
 * Deletes everything in directory `path`, then (unless `keep`) the directory itself, never following a
 * symlink: for directories a container may be able to change (beside a volume's host directory, where a
 * container that has the parent as its volume can swap them). `path` is opened O_NOFOLLOW|O_DIRECTORY (a
 * symlink there is refused) and must be ours, on `device` if given, and the very directory `expect` names if
 * given (FAILED_PRECONDITION otherwise: something was swapped in). Below it, every entry is opened, unlinked or
 * removed relative to the fd of its parent, never across a filesystem boundary, so nothing a container
 * renames or swaps during the walk can lead it outside. Resolves when `path` is already gone. Only for small
 * trees (work dirs): synchronous.
 */
export function removeDirectoryAt(path: string, options: { expect?: DirectoryIdentity; device?: number; keep?: boolean } = {}): void {
  const mounted = mountPointsUnder(path);
  if (mounted.length > 0) throw failedPrecondition(`${path} still has a mount at ${mounted[0]}; not deleting`, { hint: `unmount ${mounted.join(', ')} first` });
  // The parent by fd too, so that the final rmdir names the entry we emptied, whatever happens to `path`.
  let parent: number;
  try {
    parent = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const opened = openOwnDirectory(at(parent, basename(path)), options.device);
    if (!opened) return;
    try {
      const { expect } = options;
      if (expect && (opened.identity.dev !== expect.dev || opened.identity.ino !== expect.ino)) {
        throw failedPrecondition(`${path} is no longer the directory skiff made (it was replaced); not touching it`);
      }
      emptyAt(opened.fd, opened.identity.dev, path);
    } finally {
      closeSync(opened.fd);
    }
    if (!options.keep) rmdirSync(at(parent, basename(path)));
  } finally {
    closeSync(parent);
  }
}

function emptyAt(fd: number, device: number, where: string): void {
  for (const name of readdirSync(at(fd, ''))) {
    let child: number;
    try {
      child = openSync(at(fd, name), NO_FOLLOW_DIR);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      if (code !== 'ELOOP' && code !== 'ENOTDIR') throw error;
      // Not a directory (a file, a symlink, a device, a FIFO): unlink removes the entry, never its target.
      unlinkSync(at(fd, name));
      continue;
    }
    try {
      if (fstatSync(child).dev !== device) throw failedPrecondition(`${where}/${name} is on another filesystem; not deleting it`);
      emptyAt(child, device, `${where}/${name}`);
    } finally {
      closeSync(child);
    }
    rmdirSync(at(fd, name));
  }
}

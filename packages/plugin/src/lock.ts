import { mkdirSync, rmdirSync, statSync, utimesSync } from 'node:fs';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { SkiffError } from './errors.js';
import { syncCall } from './sync-fs.js';

export interface LockOptions {
  /** Named in the error when the lock cannot be had. */
  what?: string;
  /** A lock whose holder stopped refreshing it this long ago (ms) was left by a crash and is taken over. */
  stale?: number;
}

/**
 * The file system calls proper-lockfile makes (its `fs` option), done synchronously: each is one syscall on a
 * tiny directory under the run root, cheaper in place than as a thread-pool round trip (see sync-fs.ts).
 */
const lockFs = {
  mkdir: (path: string, callback: (error: Error | null) => void) => syncCall(() => mkdirSync(path), callback),
  rmdir: (path: string, callback: (error: Error | null) => void) => syncCall(() => rmdirSync(path), callback),
  stat: (path: string, callback: (error: Error | null, stat?: unknown) => void) => syncCall(() => statSync(path), callback),
  utimes: (path: string, atime: Date, mtime: Date, callback: (error: Error | null) => void) =>
    syncCall(() => utimesSync(path, atime, mtime), callback),
  rmdirSync,
};

/**
 * Runs `action` holding the lock directory `lockPath`, across processes (proper-lockfile: atomic mkdir, mtime
 * refreshed while held, taken over when stale, so a `kill -9` of a holder cannot wedge anything).
 */
export async function withLock<T>(lockPath: string, action: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  mkdirSync(dirname(lockPath), { recursive: true, mode: 0o700 });
  let release: () => Promise<void>;
  try {
    // The lock path itself is proper-lockfile's key for the locks this process holds (its parent would be one
    // key for every container, and two held at once would refresh and release each other's).
    release = await lockfile.lock(lockPath, {
      lockfilePath: lockPath,
      realpath: false,
      stale: options.stale ?? 10_000,
      retries: { retries: 400, factor: 1.2, minTimeout: 5, maxTimeout: 100 },
      fs: lockFs,
    });
  } catch (error) {
    throw new SkiffError('UNAVAILABLE', `${options.what ?? lockPath} is busy (another skiff command holds its lock); try again`, {
      cause: error,
    });
  }
  try {
    return await action();
  } finally {
    await release().catch(() => {});
  }
}

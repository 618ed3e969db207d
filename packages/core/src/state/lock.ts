import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { SkiffError } from '../plugin/errors.js';
import type { Roots } from '../roots.js';

/**
 * Serialises state changes of one container across concurrent skiff processes (start, stop, cleanup, rm).
 * The lock is a directory <runRoot>/locks/<id>.lock (proper-lockfile: atomic mkdir, mtime refreshed while held,
 * taken over when stale, so a `kill -9` of its holder cannot wedge the container).
 */
export async function withContainerLock<T>(roots: Roots, id: string, action: () => Promise<T>): Promise<T> {
  const dir = join(roots.runRoot, 'locks');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dir, {
      lockfilePath: join(dir, `${id}.lock`),
      realpath: false,
      stale: 10_000,
      retries: { retries: 400, factor: 1.2, minTimeout: 10, maxTimeout: 100 },
    });
  } catch (error) {
    throw new SkiffError('UNAVAILABLE', `container ${id.slice(0, 12)} is busy (another skiff command holds its lock); try again`, {
      cause: error,
    });
  }
  try {
    return await action();
  } finally {
    await release().catch(() => {});
  }
}

/** Small filesystem helpers for the image store: atomic writes, unique names, a lock. */
import { randomBytes } from 'node:crypto';
import { open, mkdir, rename, rm, stat } from 'node:fs/promises';
import { SkiffError } from '@skiff/core/plugin';

export const uniqueSuffix = () => `${process.pid}-${randomBytes(6).toString('hex')}`;

/** Writes `content` to a temp file beside `path`, flushes it, and renames it over `path`: readers see old or new. */
export async function writeFileAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  const temp = `${path}.tmp-${uniqueSuffix()}`;
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Runs `action` holding the lock `lock` (a directory: mkdir is atomic across processes). The store holds it for
 * milliseconds (record writes), so a lock older than 30 s was left by a crashed process and is broken.
 */
export async function withLock<T>(lock: string, action: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lock, { mode: 0o700 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const info = await stat(lock).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 30_000) {
      await rm(lock, { recursive: true, force: true });
    } else if (attempt > 3000) {
      throw new SkiffError('UNAVAILABLE', `the image store lock ${lock} stays taken; try again`);
    } else {
      await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 8));
    }
  }
  try {
    return await action();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Whether a process with this pid exists (used to clean staging dirs of crashed imports). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

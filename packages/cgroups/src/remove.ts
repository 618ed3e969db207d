/** Removing a cgroup directory tree, and how long the managers wait for the kernel. */
import { join } from 'node:path';
import { errnoOf, systemError } from './errors.js';
import type { CgroupFs } from './fs.js';
import type { CgroupTimeouts } from './types.js';

export const defaultTimeouts: Required<CgroupTimeouts> = { freezeMs: 5000, emptyMs: 10_000, removeMs: 5000 };

/** rmdir `dir` and its descendants, deepest first; a missing directory is already removed. */
export async function removeCgroupTree(fs: CgroupFs, dir: string, timeoutMs: number): Promise<void> {
  if (!fs.exists(dir)) return;
  for (const child of fs.listDirs(dir)) await removeCgroupTree(fs, join(dir, child), timeoutMs);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.rmdir(dir);
      return;
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === 'ENOENT') return;
      // The kernel keeps a cgroup busy for a moment after its last task exits.
      if (errno === 'EBUSY' && Date.now() < deadline) {
        await new Promise<void>((resolve) => setTimeout(resolve, 10));
        continue;
      }
      throw systemError(`remove cgroup ${dir}`, error);
    }
  }
}

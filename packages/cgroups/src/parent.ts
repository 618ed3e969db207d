/**
 * The shared parent cgroup (default "skiff") is created on demand by the first container and kept after the
 * last one is gone (making it again at every start costs milliseconds). This removes it where it is empty, for
 * whoever wants an idle host to keep no cgroup of skiff's. A container created meanwhile may find the parent
 * removed under it: its create fails with ENOENT (or ENODEV, writing to a removed level's cpuset files) and is
 * simply retried by the caller.
 */
import { rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { detectCgroupVersion, findV1Mounts, hostMountinfo } from './detect.js';

/** rmdir of `<hierarchy>/<parent>` (deepest level first) wherever it is empty; busy ones are left alone. */
export function removeEmptyParent(parent = 'skiff', root = '/sys/fs/cgroup'): void {
  const mountinfo = hostMountinfo();
  const hierarchies = detectCgroupVersion(mountinfo, root) === 'v2' ? [root] : [...new Set(Object.values(findV1Mounts(mountinfo, root)))];
  const levels = parent.split('/').filter(Boolean);
  for (const hierarchy of hierarchies) {
    for (let depth = levels.length; depth > 0; depth--) {
      try {
        rmdirSync(join(hierarchy, ...levels.slice(0, depth)));
      } catch {
        break; // not empty (EBUSY, ENOTEMPTY), or already gone (ENOENT)
      }
    }
  }
}

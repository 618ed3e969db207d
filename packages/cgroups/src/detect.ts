/**
 * Which cgroup hierarchy the host uses, and where the v1 controllers are mounted. This module and the
 * factory are the only code that looks at the host to choose between v1 and v2.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { parseMountInfo } from '@skiff/plugin';
import { CgroupError } from './errors.js';
import type { CgroupVersion } from './types.js';
import { V1_CONTROLLERS, type V1ControllerName } from './v1/manager.js';

/** statfs f_type of a cgroup2 filesystem. */
export const CGROUP2_SUPER_MAGIC = 0x63677270;

const under = (path: string, root: string) => path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);

let mountinfoCache: string | undefined;

/**
 * /proc/self/mountinfo, read once per process: the cgroup hierarchies do not move while skiff runs, and a
 * container's start and teardown would otherwise read and parse it several times.
 */
export function hostMountinfo(): string {
  mountinfoCache ??= readFileSync('/proc/self/mountinfo', 'utf8');
  return mountinfoCache;
}

/**
 * v2 only when `root` itself is a cgroup2 mount. A hybrid host (v1 controllers, plus an empty cgroup2 at
 * <root>/unified) is v1. With no text, asks statfs(root) first and falls back to /proc/self/mountinfo.
 * Throws NOT_SUPPORTED when no cgroup filesystem is mounted at or under `root`.
 */
export function detectCgroupVersion(mountinfoText?: string, root = '/sys/fs/cgroup'): CgroupVersion {
  if (mountinfoText === undefined) {
    try {
      if (statfsSync(root).type === CGROUP2_SUPER_MAGIC) return 'v2';
    } catch {
      // Not mounted or not readable: mountinfo below gives the clear answer.
    }
    mountinfoText = hostMountinfo();
  }
  const mounts = parseMountInfo(mountinfoText);
  // The last mount on a path is the visible one.
  const top = mounts.filter((mount) => mount.mountPoint === root).at(-1);
  if (top?.fsType === 'cgroup2') return 'v2';
  if (mounts.some((mount) => mount.fsType === 'cgroup' && under(mount.mountPoint, root))) return 'v1';
  throw new CgroupError('NOT_SUPPORTED', `no cgroup filesystem is mounted at ${root}`, {
    hint: 'mount cgroup2 at /sys/fs/cgroup, or the cgroup v1 controllers below it',
  });
}

/**
 * Controller → mount point of its v1 hierarchy, for the controllers skiff manages, from mounts of type
 * "cgroup" at or below `root`. Co-mounted controllers ("cpu,cpuacct") map to the same directory.
 */
export function findV1Mounts(mountinfoText: string, root = '/sys/fs/cgroup'): Partial<Record<V1ControllerName, string>> {
  const found: Partial<Record<V1ControllerName, string>> = {};
  for (const mount of parseMountInfo(mountinfoText)) {
    if (mount.fsType !== 'cgroup' || !under(mount.mountPoint, root)) continue;
    for (const controller of V1_CONTROLLERS) {
      if (mount.superOptions.includes(controller)) found[controller] ??= mount.mountPoint;
    }
  }
  return found;
}

/**
 * The one factory: picks v1 or v2 for this host (unless told) and builds the manager.
 */
import { detectCgroupVersion, findV1Mounts, hostMountinfo } from './detect.js';
import { CgroupError } from './errors.js';
import type { CgroupFs } from './fs.js';
import type { CgroupManager, CgroupTimeouts, CgroupVersion, KillFunction } from './types.js';
import { CgroupV1Manager } from './v1/manager.js';
import { CgroupV2Manager } from './v2/manager.js';

export interface CreateCgroupManagerOptions {
  /** The container's cgroup name (usually its id). */
  name: string;
  /** Path below the hierarchy root shared by all containers. Default "skiff". */
  parent?: string;
  /** Where cgroups are mounted: the cgroup2 mount on v2, the directory holding the v1 mounts on v1. */
  root?: string;
  /** Skip detection. */
  version?: CgroupVersion;
  /** mountinfo text to read instead of /proc/self/mountinfo (tests, or a caller that already has it). */
  mountinfo?: string;
  fs?: CgroupFs;
  kill?: KillFunction;
  timeouts?: CgroupTimeouts;
}

export function createCgroupManager(options: CreateCgroupManagerOptions): CgroupManager {
  const root = options.root ?? '/sys/fs/cgroup';
  const version = options.version ?? detectCgroupVersion(options.mountinfo, root);
  const common = { name: options.name, parent: options.parent ?? 'skiff', fs: options.fs, kill: options.kill, timeouts: options.timeouts };
  if (version === 'v2') return new CgroupV2Manager({ ...common, root });
  const mounts = findV1Mounts(options.mountinfo ?? hostMountinfo(), root);
  if (Object.keys(mounts).length === 0) {
    throw new CgroupError('NOT_SUPPORTED', `no cgroup v1 controller is mounted under ${root}`);
  }
  return new CgroupV1Manager({ ...common, mounts });
}

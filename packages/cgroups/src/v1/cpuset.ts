/**
 * v1 cpuset controller (after runc `fs/cpuset.go`).
 *
 *   <dir>/cpuset.cpus   CPUs, list format ("0-1,3"); EMPTY in a new cgroup
 *   <dir>/cpuset.mems   memory nodes; EMPTY in a new cgroup
 *
 * A task cannot join a cpuset whose cpus or mems are empty (the kernel answers ENOSPC), and v1 does not
 * inherit them, so every new level (the shared parent included) first gets its parent's values copied down,
 * before any task joins. Our own values, a subset of the parent's, are written after that.
 */
import { dirname, join } from 'node:path';
import { readText, writeText } from '../interface-files.js';
import type { CgroupFs } from '../fs.js';
import type { Resources } from '../types.js';

export class V1CpusetController {
  readonly name = 'cpuset';
  constructor(
    readonly dir: string,
    private readonly fs: CgroupFs,
  ) {}

  /** Copy cpuset.cpus and cpuset.mems from the parent directory into `dir` where they are empty. */
  static inheritFromParent(fs: CgroupFs, dir: string): void {
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      const own = readText(fs, join(dir, file)).trim();
      if (own !== '') continue;
      const parent = readText(fs, join(dirname(dir), file)).trim();
      writeText(fs, join(dir, file), parent);
    }
  }

  set(resources: Resources): void {
    if (resources.cpusetCpus !== undefined) writeText(this.fs, join(this.dir, 'cpuset.cpus'), resources.cpusetCpus);
    if (resources.cpusetMems !== undefined) writeText(this.fs, join(this.dir, 'cpuset.mems'), resources.cpusetMems);
  }
}

/**
 * v1 cpuacct controller: accounting only.
 *
 *   <dir>/cpuacct.usage   total CPU time of the cgroup's tasks in nanoseconds
 */
import { join } from 'node:path';
import { parseCounter, readText } from '../interface-files.js';
import type { CgroupFs } from '../fs.js';

export class V1CpuacctController {
  readonly name = 'cpuacct';
  constructor(
    readonly dir: string,
    private readonly fs: CgroupFs,
  ) {}

  usageNs(): number {
    return parseCounter(readText(this.fs, join(this.dir, 'cpuacct.usage')));
  }
}

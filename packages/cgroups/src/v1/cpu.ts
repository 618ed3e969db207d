/**
 * v1 cpu controller (after runc `fs/cpu.go`).
 *
 *   <dir>/cpu.shares         relative weight, kernel range 2..262144
 *   <dir>/cpu.cfs_period_us  CFS period in µs
 *   <dir>/cpu.cfs_quota_us   µs per period, "-1" for none (needs CONFIG_CFS_BANDWIDTH)
 */
import { join } from 'node:path';
import { writeText } from '../interface-files.js';
import { errnoOf } from '../errors.js';
import type { CgroupFs } from '../fs.js';
import type { Resources } from '../types.js';

export class V1CpuController {
  readonly name = 'cpu';
  constructor(
    readonly dir: string,
    private readonly fs: CgroupFs,
  ) {}

  set(resources: Resources): void {
    const { cpuShares, cpuQuota, cpuPeriod } = resources;
    if (cpuShares !== undefined) writeText(this.fs, join(this.dir, 'cpu.shares'), cpuShares);
    let periodPending = false;
    if (cpuPeriod !== undefined) {
      try {
        writeText(this.fs, join(this.dir, 'cpu.cfs_period_us'), cpuPeriod);
      } catch (error) {
        // A period smaller than the current one can be refused (EINVAL) while old quota / new period would
        // exceed the parent's bandwidth; when a quota is coming too, retry the period after it.
        if (errnoOf(error) !== 'EINVAL' || cpuQuota === undefined) throw error;
        periodPending = true;
      }
    }
    if (cpuQuota !== undefined) writeText(this.fs, join(this.dir, 'cpu.cfs_quota_us'), cpuQuota);
    if (periodPending) writeText(this.fs, join(this.dir, 'cpu.cfs_period_us'), cpuPeriod as number);
  }
}

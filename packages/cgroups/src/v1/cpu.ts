/**
 * v1 cpu controller (after runc `fs/cpu.go`).
 *
 *   <dir>/cpu.shares         relative weight, kernel range 2..262144
 *   <dir>/cpu.cfs_period_us  CFS period in µs
 *   <dir>/cpu.cfs_quota_us   µs per period, "-1" for none (needs CONFIG_CFS_BANDWIDTH)
 *   <dir>/cpu.rt_period_us   real-time period in µs; cpu.rt_runtime_us: real-time µs per period, 0 in a new
 *                            cgroup (no SCHED_FIFO/RR at all); a child's runtime may not exceed its parent's,
 *                            nor the sum of the children's their parent's (EINVAL). Needs CONFIG_RT_GROUP_SCHED.
 */
import { join } from 'node:path';
import { readText, writeText } from '../interface-files.js';
import { CgroupError } from '../errors.js';
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
    const { cpuRtRuntime, cpuRtPeriod } = resources;
    if (cpuRtRuntime === undefined && cpuRtPeriod === undefined) return;
    if (!this.fs.exists(join(this.dir, 'cpu.rt_runtime_us'))) {
      throw new CgroupError('NOT_SUPPORTED', 'cannot set the real-time CPU budget: this kernel has no cpu.rt_runtime_us (CONFIG_RT_GROUP_SCHED)');
    }
    if (cpuRtPeriod !== undefined) writeText(this.fs, join(this.dir, 'cpu.rt_period_us'), cpuRtPeriod);
    if (cpuRtRuntime !== undefined) writeText(this.fs, join(this.dir, 'cpu.rt_runtime_us'), cpuRtRuntime);
  }

  /**
   * Raise the real-time budget of each of `parents` (outermost first) to at least `runtime` µs: a budget can only
   * be handed down. A level that already has as much is left alone.
   */
  static raiseRtBudget(fs: CgroupFs, parents: string[], runtime: number): void {
    for (const dir of parents) {
      const file = join(dir, 'cpu.rt_runtime_us');
      if (!fs.exists(file)) return;
      const current = Number(readText(fs, file).trim());
      if (current === -1 || current >= runtime) continue;
      try {
        writeText(fs, file, runtime);
      } catch (error) {
        throw new CgroupError('INVALID_ARGUMENT', `cannot give ${dir} a real-time budget of ${runtime} µs: its parent has less to hand down (the host's total is cpu.rt_runtime_us at the root)`, { cause: error });
      }
    }
  }
}

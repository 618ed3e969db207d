/**
 * v1 memory controller (after runc `fs/memory.go`).
 *
 *   <dir>/memory.limit_in_bytes        memory limit, "-1" for none
 *   <dir>/memory.memsw.limit_in_bytes  memory+swap limit; only when the kernel accounts swap
 *                                      (CONFIG_MEMCG_SWAP and swapaccount on); absent otherwise
 *   <dir>/memory.usage_in_bytes, memory.max_usage_in_bytes, memory.failcnt
 *   <dir>/memory.oom_control           "oom_kill N" counts OOM kills (kernel >= 4.13); writing 1 disables the
 *                                      OOM killer (--oom-kill-disable)
 *   <dir>/memory.soft_limit_in_bytes   reclaim pressure target under contention (--memory-reservation)
 *   <dir>/memory.swappiness            0..100 (--memory-swappiness)
 *
 * The kernel insists that limit_in_bytes <= memsw.limit_in_bytes at every moment, so the two writes are
 * ordered: raising writes memsw first, lowering writes the limit first; an EINVAL retries the other order.
 */
import { join } from 'node:path';
import { parseCounter, parseKeyed, parseLimit, readText, writeText } from '../interface-files.js';
import { CgroupError, errnoOf } from '../errors.js';
import type { CgroupFs } from '../fs.js';
import type { MemoryStats, Resources } from '../types.js';

export const noSwapAccountingWarning =
  'the kernel does not account swap (memory.memsw.* missing, boot with swapaccount=1): memory is limited but swap is not';

export class V1MemoryController {
  readonly name = 'memory';
  constructor(
    readonly dir: string,
    private readonly fs: CgroupFs,
  ) {}

  private path(file: string) {
    return join(this.dir, file);
  }

  get swapAccounting(): boolean {
    return this.fs.exists(this.path('memory.memsw.limit_in_bytes'));
  }

  set(resources: Resources, warnings: string[]): void {
    if (resources.oomKillDisable !== undefined) writeText(this.fs, this.path('memory.oom_control'), resources.oomKillDisable ? 1 : 0);
    if (resources.memoryReservation !== undefined) writeText(this.fs, this.path('memory.soft_limit_in_bytes'), resources.memoryReservation);
    if (resources.memorySwappiness !== undefined) writeText(this.fs, this.path('memory.swappiness'), resources.memorySwappiness);
    const { memory } = resources;
    let swap = resources.memorySwap;
    if (memory === undefined && swap === undefined) return;
    const hasSwap = this.swapAccounting;
    // Unlimited memory with swap left unsaid means both unlimited (runc), or memsw would hold the old limit.
    if (memory === -1 && swap === undefined && hasSwap) swap = -1;
    if (swap !== undefined && !hasSwap) {
      if (swap !== -1) warnings.push(noSwapAccountingWarning);
      swap = undefined;
    }
    const writeMemory = () => memory !== undefined && writeText(this.fs, this.path('memory.limit_in_bytes'), memory);
    const writeSwap = () => swap !== undefined && writeText(this.fs, this.path('memory.memsw.limit_in_bytes'), swap);
    if (memory === undefined || swap === undefined) {
      writeMemory();
      writeSwap();
      return;
    }
    const current = parseLimit(readText(this.fs, this.path('memory.limit_in_bytes')));
    // Raising (or unlimiting) swap must go first, or the new memory limit would exceed the old memsw limit.
    const swapFirst = swap === -1 || (current !== null && current < swap);
    const order = swapFirst ? [writeSwap, writeMemory] : [writeMemory, writeSwap];
    try {
      for (const step of order) step();
    } catch (error) {
      if (errnoOf(error) !== 'EINVAL') throw error;
      try {
        for (const step of order.reverse()) step();
      } catch (retryError) {
        throw new CgroupError(
          'INVALID_ARGUMENT',
          `cannot set memory limit ${memory} with memory+swap limit ${swap} in ${this.dir}: the kernel refused both orders (EINVAL)`,
          { cause: retryError },
        );
      }
    }
  }

  stats(): MemoryStats {
    const read = (file: string) => readText(this.fs, this.path(file));
    const hasSwap = this.swapAccounting;
    return {
      usage: parseCounter(read('memory.usage_in_bytes')),
      maxUsage: this.fs.exists(this.path('memory.max_usage_in_bytes')) ? parseCounter(read('memory.max_usage_in_bytes')) : null,
      limit: parseLimit(read('memory.limit_in_bytes')),
      swapAccounting: hasSwap,
      swapLimit: hasSwap ? parseLimit(read('memory.memsw.limit_in_bytes')) : null,
      oomKills: this.oomKillCount() ?? 0,
      failCount: this.fs.exists(this.path('memory.failcnt')) ? parseCounter(read('memory.failcnt')) : null,
    };
  }

  /** The `oom_kill` counter of memory.oom_control; null on kernels before 4.13, which lack it. */
  oomKillCount(): number | null {
    const value = parseKeyed(readText(this.fs, this.path('memory.oom_control'))).get('oom_kill');
    return value === undefined ? null : Number(value);
  }

  /**
   * True when the OOM killer killed a task here. Kernels without the oom_kill counter fall back to
   * memory.failcnt > 0, which also counts limit hits that reclaim resolved: an approximation.
   */
  oomKilled(): boolean {
    const kills = this.oomKillCount();
    if (kills !== null) return kills > 0;
    return parseCounter(readText(this.fs, this.path('memory.failcnt'))) > 0;
  }
}

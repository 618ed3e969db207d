/**
 * Conversions from the version-neutral Resources (docker/v1 units) to cgroup v2 file values, after runc's
 * `libcontainer/cgroups/utils.go` and crun's `cgroup-resources.c`.
 */
import { CgroupError } from '../errors.js';
import type { BlkioResources } from '../types.js';

/**
 * cpu.shares (2..262144) → cpu.weight (1..10000), the formula runc and crun share, so that the default
 * 1024 becomes 39 on both.
 */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/**
 * Docker's memory-swap is memory PLUS swap; v2's memory.swap.max is swap alone. Returns the memory.swap.max
 * value ("max", or bytes as a string), or undefined when nothing is to be written.
 */
export function swapMaxValue(memory: number | undefined, memorySwap: number | undefined): string | undefined {
  // Unlimited memory with swap left unsaid: both unlimited (runc does the same for v1 compatibility).
  if (memory === -1 && memorySwap === undefined) return 'max';
  if (memorySwap === undefined) return undefined;
  if (memorySwap === -1) return 'max';
  if (memory === undefined || memory === -1) {
    throw new CgroupError('INVALID_ARGUMENT', 'cannot limit memory+swap without a memory limit');
  }
  if (memorySwap < memory) {
    throw new CgroupError('INVALID_ARGUMENT', `memory+swap limit ${memorySwap} is smaller than memory limit ${memory}`);
  }
  return String(memorySwap - memory);
}

/** memory.max / pids.max value: "max" for unlimited (-1; for pids also 0, as docker), else the number. */
export function maxValue(limit: number): string {
  return limit <= 0 ? 'max' : String(limit);
}

/**
 * cpu.max is "$QUOTA $PERIOD" with "max" for no quota. Without a period only the quota is written and the
 * kernel keeps the current period (runc does the same). undefined when neither is set.
 */
export function cpuMaxValue(quota: number | undefined, period: number | undefined): string | undefined {
  if (quota === undefined && period === undefined) return undefined;
  const head = quota !== undefined && quota > 0 ? String(quota) : 'max';
  return period === undefined ? head : `${head} ${period}`;
}

/** blkio weight (10..1000) → io.weight / io.bfq.weight (1..10000), as runc and crun convert it. */
export function blkioWeightToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * The blkio throttles as io.max lines, one per device: "MAJOR:MINOR rbps=N wbps=N riops=N wiops=N" with only
 * the keys given for that device.
 */
export function ioMaxLines(blkio: BlkioResources): string[] {
  const lines = new Map<string, string[]>();
  for (const [field, key] of [['readBps', 'rbps'], ['writeBps', 'wbps'], ['readIops', 'riops'], ['writeIops', 'wiops']] as const) {
    for (const d of blkio[field] ?? []) {
      const device = `${d.major}:${d.minor}`;
      lines.set(device, [...(lines.get(device) ?? []), `${key}=${d.value}`]);
    }
  }
  return [...lines].map(([device, keys]) => `${device} ${keys.join(' ')}`);
}

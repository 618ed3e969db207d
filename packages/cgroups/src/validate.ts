/** Checks of what callers hand the managers, before anything is written. */
import { DEVICE_RULE } from './devices.js';
import { CgroupError } from './errors.js';
import type { BlkioResources, Resources } from './types.js';

/** Check a cgroup name and parent path: relative, no "..", no empty components. */
export function checkCgroupPath(name: string, parent: string): string[] {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || name.length > 200) {
    throw new CgroupError('INVALID_ARGUMENT', `invalid cgroup name "${name}": use letters, digits, "_", "." and "-"`);
  }
  const parts = parent.split('/').filter((part) => part !== '');
  for (const part of parts) {
    if (part === '.' || part === '..' || !/^[A-Za-z0-9_.:@-]+$/.test(part)) {
      throw new CgroupError('INVALID_ARGUMENT', `invalid cgroup parent "${parent}": a relative path without ".."`);
    }
  }
  return [...parts, name];
}

/** Reject a pid `apply` must never write: not a positive integer, or the calling process itself. */
export function checkPid(pid: number): void {
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new CgroupError('INVALID_ARGUMENT', `invalid pid ${pid}: expected a positive integer (or -1 to only create)`);
  }
  if (pid === process.pid) {
    throw new CgroupError('INVALID_ARGUMENT', `refusing to move the calling process (pid ${pid}) into a container cgroup`);
  }
}

/** Sanity-check a Resources object before anything is written. */
export function checkResources(resources: Resources): void {
  const integer = (field: keyof Resources, min: number, allowMinusOne: boolean) => {
    const value = resources[field];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || (value < min && !(allowMinusOne && value === -1))) {
      throw new CgroupError(
        'INVALID_ARGUMENT',
        `invalid ${field} ${String(value)}: expected an integer >= ${min}${allowMinusOne ? ' or -1 for unlimited' : ''}`,
      );
    }
  };
  integer('memory', 1, true);
  integer('memorySwap', 1, true);
  integer('cpuQuota', 1000, true);
  integer('cpuPeriod', 1000, false);
  integer('cpuShares', 2, false);
  integer('pidsLimit', 0, true);
  integer('memoryReservation', 0, false);
  integer('cpuRtRuntime', 0, true);
  integer('cpuRtPeriod', 1, false);
  if (resources.cpuRtRuntime !== undefined && resources.cpuRtRuntime > (resources.cpuRtPeriod ?? 1_000_000)) {
    throw new CgroupError('INVALID_ARGUMENT', `invalid cpuRtRuntime ${resources.cpuRtRuntime}: more than its period (${resources.cpuRtPeriod ?? 1_000_000} µs)`);
  }
  const { memorySwappiness, blkio } = resources;
  if (memorySwappiness !== undefined && (!Number.isInteger(memorySwappiness) || memorySwappiness < 0 || memorySwappiness > 100)) {
    throw new CgroupError('INVALID_ARGUMENT', `invalid memorySwappiness ${String(memorySwappiness)}: expected 0..100`);
  }
  if (blkio !== undefined) checkBlkio(blkio);
  if (resources.cpuPeriod !== undefined && resources.cpuPeriod > 1_000_000) {
    throw new CgroupError('INVALID_ARGUMENT', `invalid cpuPeriod ${resources.cpuPeriod}: at most 1000000 (1s)`);
  }
  if (resources.cpuShares !== undefined && resources.cpuShares > 262_144) {
    throw new CgroupError('INVALID_ARGUMENT', `invalid cpuShares ${resources.cpuShares}: at most 262144`);
  }
  const { memory, memorySwap } = resources;
  if (memory !== undefined && memory > 0 && memorySwap !== undefined && memorySwap > 0 && memorySwap < memory) {
    throw new CgroupError(
      'INVALID_ARGUMENT',
      `memorySwap ${memorySwap} is smaller than memory ${memory}: it is the total of memory and swap`,
    );
  }
  const { devices } = resources;
  if (devices !== undefined && devices !== 'unrestricted') {
    if (typeof devices !== 'object' || devices === null || !Array.isArray(devices.allow)) {
      throw new CgroupError('INVALID_ARGUMENT', `invalid devices ${JSON.stringify(devices)}: expected { allow: [...] } or "unrestricted"`);
    }
    for (const rule of devices.allow) {
      if (typeof rule !== 'string' || !DEVICE_RULE.test(rule)) {
        throw new CgroupError('INVALID_ARGUMENT', `invalid device rule "${String(rule)}": expected e.g. "c 1:3 rwm" (type c or b, major:minor or *, access of r, w, m)`);
      }
    }
  }
  for (const field of ['cpusetCpus', 'cpusetMems'] as const) {
    const value = resources[field];
    if (value !== undefined && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(value)) {
      throw new CgroupError('INVALID_ARGUMENT', `invalid ${field} "${value}": expected a list such as "0-1,3"`);
    }
  }
}

/** Weights 10..1000; device numbers and rates non-negative integers (they are written into kernel files). */
function checkBlkio(blkio: BlkioResources): void {
  const weight = (value: unknown, what: string) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 10 || value > 1000) {
      throw new CgroupError('INVALID_ARGUMENT', `invalid ${what} ${String(value)}: expected 10..1000`);
    }
  };
  const whole = (value: unknown, what: string) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new CgroupError('INVALID_ARGUMENT', `invalid ${what} ${String(value)}: expected a whole number`);
    }
  };
  if (blkio.weight !== undefined) weight(blkio.weight, 'blkio weight');
  for (const field of ['weightDevice', 'readBps', 'writeBps', 'readIops', 'writeIops'] as const) {
    for (const device of blkio[field] ?? []) {
      whole(device.major, `blkio ${field} major`);
      whole(device.minor, `blkio ${field} minor`);
      if (field === 'weightDevice') weight(device.value, 'blkio device weight');
      else whole(device.value, `blkio ${field} rate`);
    }
  }
}

/**
 * Helpers shared by the v1 and v2 managers: reading and writing cgroup files with clear errors, polling,
 * pid lists, the kill loop and the depth-first removal. Internal; not exported from the package.
 */
import { join } from 'node:path';
import { pollUntil } from '@skiff/plugin';
import { DEVICE_RULE } from './devices.js';
import { CgroupError, errnoOf, systemError } from './errors.js';
import type { CgroupFs } from './fs.js';
import type { CgroupTimeouts, KillFunction, Resources } from './types.js';

export const defaultTimeouts: Required<CgroupTimeouts> = { freezeMs: 5000, emptyMs: 10_000, removeMs: 5000 };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Read a file, wrapping a failure as "read <path>: <errno>". */
export function readText(fs: CgroupFs, path: string): string {
  try {
    return fs.readFile(path);
  } catch (error) {
    throw systemError(`read ${path}`, error);
  }
}

/** Write one value, wrapping a failure as `write "<value>" to <path>: <errno>`. */
export function writeText(fs: CgroupFs, path: string, value: string | number): void {
  try {
    fs.writeFile(path, String(value));
  } catch (error) {
    throw systemError(`write "${value}" to ${path}`, error);
  }
}

/**
 * Values at or above 2^62 are the kernel's "no limit" (v1 prints PAGE_COUNTER_MAX × page size,
 * 9223372036854771712), and they would not survive a JavaScript number anyway.
 */
const unlimitedThreshold = 2n ** 62n;

/** Parse a limit file: a number, "max" or "-1". Returns null for unlimited. */
export function parseLimit(text: string): number | null {
  const value = text.trim();
  if (value === 'max' || value === '-1') return null;
  if (!/^\d+$/.test(value)) throw new CgroupError('INTERNAL', `unexpected cgroup limit value "${value}"`);
  const big = BigInt(value);
  return big >= unlimitedThreshold ? null : Number(big);
}

export function parseCounter(text: string): number {
  const value = text.trim();
  if (!/^\d+$/.test(value)) throw new CgroupError('INTERNAL', `unexpected cgroup counter value "${value}"`);
  return Number(value);
}

/** Parse "key value" lines (memory.events, cpu.stat, memory.oom_control, cgroup.events). */
export function parseKeyed(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) map.set(key, value);
  }
  return map;
}

export function readKeyedNumber(fs: CgroupFs, path: string, key: string): number | null {
  const value = parseKeyed(readText(fs, path)).get(key);
  return value === undefined ? null : Number(value);
}

/** The pids listed in one cgroup.procs file. */
export function readProcs(fs: CgroupFs, dir: string): number[] {
  let text: string;
  try {
    text = fs.readFile(join(dir, 'cgroup.procs'));
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return [];
    throw systemError(`read ${join(dir, 'cgroup.procs')}`, error);
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
}

/** Every pid in `dirs` and their descendants, deduplicated and ascending. */
export function collectPids(fs: CgroupFs, dirs: string[]): number[] {
  const pids = new Set<number>();
  const walk = (dir: string) => {
    for (const pid of readProcs(fs, dir)) pids.add(pid);
    for (const child of fs.listDirs(dir)) walk(join(dir, child));
  };
  for (const dir of dirs) if (fs.exists(dir)) walk(dir);
  return [...pids].sort((a, b) => a - b);
}

/** SIGKILL each pid; one that is already gone is not an error. Never signals the calling process. */
export function killPids(kill: KillFunction, pids: number[]): void {
  for (const pid of pids) {
    if (pid === process.pid) continue;
    try {
      kill(pid, 'SIGKILL');
    } catch (error) {
      if (errnoOf(error) !== 'ESRCH') throw systemError(`kill ${pid}`, error);
    }
  }
}

/**
 * Wait until no process is left in `dirs`, re-sending SIGKILL to any that appears (a fork that raced the
 * first round). Throws UNAVAILABLE on timeout (a process stuck in uninterruptible sleep, say).
 */
export async function waitEmpty(fs: CgroupFs, kill: KillFunction, dirs: string[], timeoutMs: number): Promise<void> {
  let left: number[] = [];
  const empty = await pollUntil(
    () => {
      left = collectPids(fs, dirs);
      if (left.length === 0) return true;
      killPids(kill, left);
      return false;
    },
    timeoutMs,
    { intervalMs: 5 },
  );
  if (!empty) {
    throw new CgroupError('UNAVAILABLE', `processes ${left.join(', ')} are still in cgroup ${dirs[0]} after SIGKILL`, {
      hint: 'a process in uninterruptible sleep (state D) cannot die until its I/O finishes; retry later',
    });
  }
}

/** rmdir `dir` and its descendants, deepest first; a missing directory is already removed. */
export async function removeTree(fs: CgroupFs, dir: string, timeoutMs: number): Promise<void> {
  if (!fs.exists(dir)) return;
  for (const child of fs.listDirs(dir)) await removeTree(fs, join(dir, child), timeoutMs);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.rmdir(dir);
      return;
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === 'ENOENT') return;
      // The kernel keeps a cgroup busy for a moment after its last task exits.
      if (errno === 'EBUSY' && Date.now() < deadline) {
        await sleep(10);
        continue;
      }
      throw systemError(`remove cgroup ${dir}`, error);
    }
  }
}

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

/** Reading and writing cgroup interface files (memory.max, cgroup.events, ...) with clear errors, and their formats. */
import { CgroupError, systemError } from './errors.js';
import type { CgroupFs } from './fs.js';

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

import { readFileSync } from 'node:fs';

/**
 * Start time of a process in clock ticks since boot: field 22 of /proc/PID/stat. The comm field (2) may hold
 * spaces and parentheses, so parse from the last ')'. Returns undefined when the process is gone, or is a
 * zombie (state Z or X): dead, merely not yet reaped by its new parent.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); field 22 is therefore fields[19].
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

/** The parent of `pid` (field 4 of /proc/PID/stat), or undefined when it is gone. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and is still the same process that started at `startTime`. */
export function isSameProcess(pid: number | undefined, startTime: string | undefined): boolean {
  if (!pid || !startTime) return false;
  return processStartTime(pid) === startTime;
}

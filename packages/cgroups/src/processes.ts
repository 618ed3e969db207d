/** The processes in a cgroup tree: listing them, killing them, waiting until none is left. */
import { join } from 'node:path';
import { pollUntil } from '@skiff/plugin';
import { CgroupError, errnoOf, systemError } from './errors.js';
import type { CgroupFs } from './fs.js';
import type { KillFunction } from './types.js';

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

/**
 * Bringing saved state in line with what the kernel says: a container recorded as running whose init is gone
 * is finished; one recorded as created whose init does run (its `run -d` was killed midway) is adopted.
 * Called by exec, stop, wait, rm and prune before they act on a record.
 */
import { readFileSync } from 'node:fs';
import { readStatusFile } from '@skiff/native';
import { pollUntil } from '@skiff/plugin';
import { withContainerLock } from '../state/lock.js';
import { processStartTime } from '../state/proc.js';
import type { ContainerRecord } from '../state/record.js';
import { cgroupOf, validParent } from './cgroup.js';
import { finishContainer } from './finish.js';
import { files, isAlive, type Host } from './host.js';
import { startedElsewhere } from './starting.js';

/**
 * Brings saved state in line with reality: a container recorded as running whose init is dead is finished
 * (cgroup, volumes, --rm). Returns the record as it now is, or undefined if it was removed.
 */
export async function reconcile(host: Host, record: ContainerRecord): Promise<ContainerRecord | undefined> {
  if (record.status === 'created') return adopt(host, record);
  if (record.status !== 'running' || isAlive(record)) return record;
  return settle(host, record);
}

/**
 * A `run -d` killed after its supervisor started the container but before it saved the pid leaves a running
 * container recorded as `created`. Its cgroup tells: the init is the process there whose parent is not.
 */
export async function adopt(host: Host, record: ContainerRecord): Promise<ContainerRecord> {
  // Its `run` is still starting it: that process records the pid.
  if (startedElsewhere(record)) return record;
  const pids = validParent(record) ? await cgroupOf(record).getPids().catch(() => [] as number[]) : [];
  if (!pids.length) return record;
  return withContainerLock(host.roots, record.id, async () => {
    const current = await host.store.get(record.id);
    if (!current || current.status !== 'created' || startedElsewhere(current)) return current ?? record;
    const inside = new Set(pids);
    const init = pids.find((pid) => !inside.has(parentOf(pid)));
    const startTime = init === undefined ? undefined : processStartTime(init);
    if (init === undefined || startTime === undefined) return current;
    Object.assign(current, { status: 'running', pid: init, pidStartTime: startTime, detached: true, startedAt: new Date().toISOString() });
    await host.store.save(current);
    return current;
  });
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/**
 * Brings a container whose init is dead (or dying) to `stopped`: waits briefly for whoever witnessed the exit
 * (the attached CLI, or the supervisor's status file) so the real exit code is kept, then finishes it here.
 */
export async function settle(host: Host, record: ContainerRecord): Promise<ContainerRecord | undefined> {
  if (record.detached) {
    await pollUntil(async () => (await readStatusFile(files(host, record.id).exitStatus).catch(() => undefined)) !== undefined, 2_000);
  } else {
    await pollUntil(async () => (await host.store.get(record.id))?.status !== 'running', 5_000);
  }
  const current = await host.store.get(record.id);
  if (current?.status !== 'running') return current;
  return finishContainer(host, record.id);
}

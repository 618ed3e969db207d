import { readFileSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { containersDir, namesDir, stagingDir } from '../roots.js';
import { SkiffError, removeTree } from '@skiff/plugin';
import type { ContainerRecord } from '../state/record.js';
import { withContainerLock } from '../state/lock.js';
import { processStartTime } from '../state/proc.js';
import { cgroupOf } from './cgroup.js';
import { removeContainer } from './finish.js';
import { isAlive, type Host } from './host.js';
import { settle } from './stop.js';

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
  const pids = await cgroupOf(record).getPids().catch(() => [] as number[]);
  if (!pids.length) return record;
  return withContainerLock(host.roots, record.id, async () => {
    const current = await host.store.get(record.id);
    if (!current || current.status !== 'created') return current ?? record;
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

const GRACE_MS = 60_000;

const olderThan = async (path: string, ms: number) =>
  stat(path).then((info) => Date.now() - info.mtimeMs > ms, () => false);

export interface PruneReport {
  /** Ids of stopped containers removed. */
  removed: string[];
  /** Leftovers of crashed commands cleaned: half-created container directories, dangling names. */
  repaired: string[];
}

/**
 * `skiff system prune`: reconciles every container, removes the stopped ones (never volume data, never a
 * running container), and cleans what crashed commands left half-made.
 */
export async function prune(host: Host): Promise<PruneReport> {
  const report: PruneReport = { removed: [], repaired: [] };
  for (const found of await host.store.list()) {
    const record = await reconcile(host, found);
    if (record && record.status !== 'running') {
      try {
        await removeContainer(host, record.id, { force: false });
      } catch (error) {
        // Started meanwhile: no longer prune's to remove.
        if (SkiffError.is(error, 'FAILED_PRECONDITION') && (await host.store.get(record.id))?.status === 'running') continue;
        throw error;
      }
      report.removed.push(record.id);
    }
  }
  // A directory without config.json is a create that died before its first save (or one in progress: hence
  // the age check, since a create writes its first record within milliseconds).
  const ids = await readdir(containersDir(host.roots)).catch(() => [] as string[]);
  for (const id of ids) {
    if (!(await host.store.get(id)) && (await olderThan(join(containersDir(host.roots), id), GRACE_MS))) {
      await removeTree(join(containersDir(host.roots), id));
      report.repaired.push(`container directory ${id}`);
    }
  }
  // A container directory still in staging: a create that died before moving it into place.
  for (const id of await readdir(stagingDir(host.roots)).catch(() => [] as string[])) {
    if (await olderThan(join(stagingDir(host.roots), id), GRACE_MS)) {
      await removeTree(join(stagingDir(host.roots), id));
      report.repaired.push(`staged container directory ${id}`);
    }
  }
  // A name whose container is gone.
  for (const name of await readdir(namesDir(host.roots)).catch(() => [] as string[])) {
    const owner = await host.store.resolve(name).catch(() => undefined);
    if ((!owner || owner.name !== name) && (await olderThan(join(namesDir(host.roots), name), GRACE_MS))) {
      await rm(join(namesDir(host.roots), name), { force: true });
      report.repaired.push(`name ${name}`);
    }
  }
  return report;
}

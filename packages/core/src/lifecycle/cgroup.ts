import { CgroupError, checkCgroupPath, createCgroupManager, type CgroupManager, type Resources } from '@skiff/cgroups';
import type { ContainerRecord } from '../state/record.js';

const PARENT_GONE = new Set(['ENOENT', 'ENODEV']);
/** Each attempt loses only to a teardown that empties the parent within a few syscalls: 10 losses in a row is a broken host. */
const PARENT_RACE_ATTEMPTS = 10;

/**
 * Creates the container's cgroup under `parent` with its limits; the helper puts the init in it before exec.
 * A failure is a CgroupError, which is a SkiffError with the errno of the failed call.
 */
export async function prepareCgroup(id: string, parent: string, resources: Resources): Promise<{ manager: CgroupManager; warnings: string[] }> {
  const manager = createCgroupManager({ name: id, parent });
  for (let attempt = 1; ; attempt++) {
    try {
      await manager.create();
      break;
    } catch (error) {
      // Someone removed the empty shared parent (skiff keeps it; an admin or an older skiff may not) while we were making our cgroup in it:
      // our mkdir below it fails with ENOENT, or a write to the parent's (or a level's) cpuset files, opened
      // just before the rmdir, with ENODEV. Once our own level exists the parent is not empty and stays.
      if (attempt >= PARENT_RACE_ATTEMPTS || !CgroupError.isInstance(error) || !PARENT_GONE.has(error.errno ?? '')) throw error;
    }
  }
  try {
    const { warnings } = await manager.set(resources);
    return { manager, warnings };
  } catch (error) {
    await manager.destroy();
    throw error;
  }
}

/** The container's cgroup manager (asking creates no directories). */
export const cgroupOf = (record: ContainerRecord) => createCgroupManager({ name: record.id, parent: record.config.cgroupParent });

/**
 * Removes the container's cgroup. Idempotent. The shared parent stays for the next container: making it again
 * at every start (its levels, their cpuset files) cost more than it saves.
 */
export async function destroyCgroup(record: ContainerRecord): Promise<void> {
  // A record from before the parent was checked at create ("../x"): no manager, hence no cgroup, was ever made.
  if (!validParent(record)) return;
  await cgroupOf(record).destroy();
}

/** The record's cgroup parent passes the manager's check (create has checked it since parents are validated). */
export function validParent(record: ContainerRecord): boolean {
  try {
    checkCgroupPath(record.id, record.config.cgroupParent);
    return true;
  } catch {
    return false;
  }
}

import { CgroupError, createCgroupManager, removeEmptyParent, type CgroupManager, type Resources } from '@skiff/cgroups';
import type { ContainerRecord } from '../state/record.js';

/**
 * Creates the container's cgroup under `parent` with its limits; the helper puts the init in it before exec.
 * A failure is a CgroupError, which is a SkiffError with the errno of the failed call.
 */
export async function prepareCgroup(id: string, parent: string, resources: Resources): Promise<{ manager: CgroupManager; warnings: string[] }> {
  const manager = createCgroupManager({ name: id, parent });
  for (let attempt = 0; ; attempt++) {
    try {
      await manager.create();
      break;
    } catch (error) {
      // The last container's teardown removed the empty parent between our mkdirs: make it again.
      if (attempt > 3 || !CgroupError.isInstance(error) || error.errno !== 'ENOENT') throw error;
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

/** Removes the container's cgroup, then the shared parent if that left it empty. Idempotent. */
export async function destroyCgroup(record: ContainerRecord): Promise<void> {
  await cgroupOf(record).destroy();
  removeEmptyParent(record.config.cgroupParent);
}

import { CgroupError, createCgroupManager, type CgroupManager, type Resources } from '@skiff/cgroups';
import { SkiffError } from '../plugin/errors.js';

/** Runs a cgroups call and turns a CgroupError into skiff's own error type (the codes are the same set). */
export async function cgroupCall<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw asSkiffError(error);
  }
}

export function asSkiffError(error: unknown): unknown {
  if (!CgroupError.isInstance(error)) return error;
  return new SkiffError(error.code, error.message, { cause: error, hint: error.hint });
}

/** Creates the container's cgroup under `parent` with its limits; the helper puts the init in it before exec. */
export async function prepareCgroup(id: string, parent: string, resources: Resources): Promise<{ manager: CgroupManager; warnings: string[] }> {
  return cgroupCall(async () => {
    const manager = createCgroupManager({ name: id, parent });
    await manager.create();
    try {
      const { warnings } = await manager.set(resources);
      return { manager, warnings };
    } catch (error) {
      await manager.destroy();
      throw error;
    }
  });
}

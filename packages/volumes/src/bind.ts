/**
 * bind volume driver (the default): the host directory itself appears at the container path.
 *
 * On disk: nothing of its own. When the host directory does not exist it is created, with every missing parent,
 * mode 0755 exactly (whatever the umask) and owned by the caller, as `docker run -v` does.
 * Takes no driver options. `ro` makes the bind read-only (the helper remounts it MS_RDONLY).
 */
import { lstat } from 'node:fs/promises';
import type { DriverContext, Mount, VolumeDriver, VolumeDriverFactory, VolumeRequest } from '@skiff/plugin';
import { checkRequest, makeDirs, normalizePath } from './checks.js';

export function createBindDriver(_context: DriverContext): VolumeDriver {
  return {
    specificationVersion: 'v1',
    name: 'bind',

    async mount(request: VolumeRequest): Promise<Mount[]> {
      checkRequest('bind', request, []);
      const source = normalizePath(request.source);
      const existing = await lstat(source).catch(() => undefined);
      if (!existing) await makeDirs(source, 0o755);
      return [{ type: 'bind', source, target: normalizePath(request.target), options: ['rbind', request.readOnly ? 'ro' : 'rw'] }];
    },

    async unmount() {
      // Nothing to release: the bind lives in the container's mount namespace and dies with it.
    },
  };
}

export const bindDriverFactory: VolumeDriverFactory = {
  probe: async () => ({ supported: true }),
  create: createBindDriver,
};

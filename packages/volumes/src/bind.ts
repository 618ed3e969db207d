/**
 * bind volume driver (the default): the host directory itself appears at the container path.
 *
 * On disk: nothing of its own. When the host directory does not exist it is created, with every missing parent,
 * mode 0755 exactly (whatever the umask) and owned by the caller, as `docker run -v` does. The path is resolved
 * here once (symlinks the user put in it are followed, as docker does), missing directories are made by fd
 * (makeDirs); the helper then opens that canonical path without following symlinks (creating it again by fd
 * should it have gone meanwhile) and mounts from the fd, so a symlink a
 * container swaps in later (it may have the parent as a volume) is refused rather than followed.
 * Takes no driver options. `ro` makes the bind read-only (the helper remounts it MS_RDONLY).
 */
import type { DriverContext, Mount, VolumeDriver, VolumeDriverFactory, VolumeRequest } from '@skiff/plugin';
import { canonicalHostPath, checkRequest, makeDirs, normalizePath } from './checks.js';

export function createBindDriver(_context: DriverContext): VolumeDriver {
  return {
    specificationVersion: 'v1',
    name: 'bind',

    async mount(request: VolumeRequest): Promise<Mount[]> {
      checkRequest('bind', request, []);
      const source = await canonicalHostPath(normalizePath(request.source));
      await makeDirs(source, 0o755);
      const options = ['rbind', request.readOnly ? 'ro' : 'rw'];
      return [{ type: 'bind', source, target: normalizePath(request.target), options, hostPath: { createMode: 0o755 } }];
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

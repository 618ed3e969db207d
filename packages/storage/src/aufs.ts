/**
 * aufs storage driver, after moby's removed aufs graphdriver. Most kernels (Debian's included) do not ship
 * aufs: probe() then reports it unsupported and the registry falls back to overlay or vfs.
 *
 *   <ctx.root>/
 *     diff/<id>/         the container's writable branch (diffPath)
 *     layers/<id>        the read-only branches it was prepared over, top-most first, one per line
 *                        (moby recorded parent layer ids there; skiff keeps the host paths, for humans)
 *     (mnt/ of moby is not needed: skiff never mounts on the host; the helper mounts aufs on the container's '/')
 *
 *   mount: aufs on '/' with  br=<diff/id>=rw:<layer0>=ro+wh:<layer1>=ro+wh:...,dio,xino=/dev/shm/aufs.xino
 *          (branches top-most first; `ro+wh` lets aufs honour the whiteouts inside read-only layers)
 *
 * Limits:
 * - The data string must fit in one page (4095 bytes). moby mounted the first branches and added the rest with
 *   `remount,append:` calls; the helper performs each mount once, so prepare() refuses a longer plan.
 * - aufs is usually built with at most 127 branches (CONFIG_AUFS_BRANCH_MAX_127).
 * - The xino file (aufs's inode-number table) lives on tmpfs, shared by all containers, as moby did.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MOUNT_DATA_MAX,
  failedPrecondition,
  kernelHasFilesystem,
  mountDataLength,
  removeTree,
  type DriverContext,
  type Mount,
  type StorageDriver,
  type StorageDriverFactory,
  type Support,
} from '@skiff/plugin';
import { checkId, checkOptionPath } from './plan.js';

export const AUFS_MAX_BRANCHES = 127;
export const AUFS_XINO = '/dev/shm/aufs.xino';

export function createAufsDriver(context: DriverContext): StorageDriver {
  const diffDir = (id: string) => {
    checkId(id);
    return join(context.root, 'diff', id);
  };

  return {
    specificationVersion: 'v1',
    name: 'aufs',

    async prepare(id, layers) {
      const diff = diffDir(id);
      checkOptionPath(diff, 'driver root');
      for (const dir of layers.dirs) {
        checkOptionPath(dir, 'layer dir');
        const info = await stat(dir).catch(() => undefined);
        if (!info?.isDirectory()) throw failedPrecondition(`image layer ${dir} is missing or not a directory`);
      }
      if (layers.dirs.length + 1 > AUFS_MAX_BRANCHES) {
        throw failedPrecondition(`aufs takes at most ${AUFS_MAX_BRANCHES} branches; container ${id} would need ${layers.dirs.length + 1}`, {
          hint: 'use --storage-driver overlay or vfs',
        });
      }
      const branches = [`${diff}=rw`, ...layers.dirs.map((dir) => `${dir}=ro+wh`)];
      const options = [`br=${branches.join(':')}`, 'dio', `xino=${AUFS_XINO}`];
      const size = mountDataLength(options);
      if (size > MOUNT_DATA_MAX) {
        throw failedPrecondition(
          `the aufs mount for container ${id} would need ${size} bytes of mount options (${layers.dirs.length} layers); the kernel takes at most ${MOUNT_DATA_MAX} (one page)`,
          { hint: 'use an image with fewer layers, a shorter state root (--root), or --storage-driver vfs' },
        );
      }
      await mkdir(diff, { recursive: true, mode: 0o755 });
      const record = join(context.root, 'layers', id);
      await mkdir(join(context.root, 'layers'), { recursive: true, mode: 0o700 });
      const temp = `${record}.tmp-${process.pid}-${Math.random().toString(16).slice(2)}`;
      await writeFile(temp, layers.dirs.map((dir) => `${dir}\n`).join(''), { mode: 0o600 });
      await rename(temp, record);
      return [{ type: 'aufs', source: 'none', target: '/', options }] satisfies Mount[];
    },

    async remove(id) {
      await removeTree(diffDir(id));
      await rm(join(context.root, 'layers', id), { force: true });
    },

    diffPath(id) {
      const diff = diffDir(id);
      return existsSync(diff) ? diff : undefined;
    },
  };
}

export async function probeAufs(_context: DriverContext, procFilesystems = '/proc/filesystems'): Promise<Support> {
  if (await kernelHasFilesystem('aufs', procFilesystems)) return { supported: true };
  return { supported: false, reason: 'aufs is not available in this kernel (not listed in /proc/filesystems)' };
}

export const aufsDriverFactory: StorageDriverFactory = {
  probe: (context) => probeAufs(context),
  create: createAufsDriver,
};

/**
 * overlay storage driver (default): the image's layers are overlayfs lower dirs; each container gets its own
 * upper dir, so its changes land there and the layers stay untouched.
 *
 *   <ctx.root>/
 *     <id>/              0700, one per container
 *       upper/           the container's writable layer: its changes against the image (diffPath)
 *       work/            overlayfs's scratch space; must be on the same mount as upper/
 *       empty/           a stand-in lower dir, only when the image has no layers (overlayfs needs one)
 *
 *   mount: overlay on '/' with  lowerdir=<layer0>:<layer1>:...,upperdir=<id>/upper,workdir=<id>/work
 *          (layer0 is the top-most layer: overlayfs lists lower dirs top-most first, like ImageLayers.dirs)
 *
 * Limits:
 * - mount(2) copies the data string into one page: 4095 bytes plus the NUL. With the image store's short layer
 *   dirs (`/var/lib/skiff/layers/<12 hex>`, about 40 bytes each) that is roughly 90 layers. moby's overlay2
 *   shortens lower paths with `l/<26 chars>` symlinks and mounts relative to a chdir; skiff's helper instead
 *   hands longer options to the new mount API one by one (`fsconfig` `lowerdir+` per layer, Linux 6.8; see
 *   native mounts.c). On an older kernel prepare() refuses a plan that would not fit, with a clear error.
 * - The kernel stacks at most 500 lower layers (OVL_MAX_STACK): the page limit comes first.
 * - Layer paths may not contain ',' ':' or '\' (they would need escaping that differs between kernels).
 * - The driver root must not itself be on overlayfs (skiff inside a container) or NFS: overlayfs refuses such
 *   an upper dir. probe() says so.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import {
  FS_MAGIC,
  MOUNT_DATA_MAX,
  failedPrecondition,
  filesystemName,
  filesystemType,
  kernelHasFilesystem,
  mountDataLength,
  removeTree,
  type DriverContext,
  type ImageLayers,
  type Mount,
  type StorageDriver,
  type StorageDriverFactory,
  type Support,
} from '@skiff/plugin';
import { checkOptionPath, containerDirOf } from './plan.js';

export function createOverlayDriver(context: DriverContext): StorageDriver {
  const containerDir = (id: string) => containerDirOf(context.root, id);

  return {
    specificationVersion: 'v1',
    name: 'overlay',

    async prepare(id, layers) {
      const dir = containerDir(id);
      const upper = join(dir, 'upper');
      const work = join(dir, 'work');
      const lowers = lowerDirs(dir, layers);
      checkOptionPath(upper, 'upper dir');
      const options = [`lowerdir=${lowers.join(':')}`, `upperdir=${upper}`, `workdir=${work}`];
      const size = mountDataLength(options);
      if (size > MOUNT_DATA_MAX && !kernelAtLeast(6, 8)) {
        throw failedPrecondition(
          `the overlay mount for container ${id} would need ${size} bytes of mount options (${lowers.length} layers); this kernel takes at most ${MOUNT_DATA_MAX} (one page; Linux 6.8+ takes more, layer by layer)`,
          { hint: 'use an image with fewer layers, a shorter state root (--root), or --storage-driver vfs' },
        );
      }
      // A handful of directory operations, done in place (no thread-pool round trip per call).
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      makeUpper(upper, layers.dirs[0]);
      mkdirSync(work, { recursive: true, mode: 0o700 });
      return [{ type: 'overlay', source: 'overlay', target: '/', options }] satisfies Mount[];
    },

    async remove(id) {
      await removeTree(containerDir(id));
    },

    diffPath(id) {
      const upper = join(containerDir(id), 'upper');
      return existsSync(upper) ? upper : undefined;
    },
  };
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function lowerDirs(containerDir: string, layers: ImageLayers): string[] {
  for (const dir of layers.dirs) {
    checkOptionPath(dir, 'layer dir');
    const info = statOrUndefined(dir);
    if (!info?.isDirectory()) throw failedPrecondition(`image layer ${dir} is missing or not a directory`);
  }
  if (layers.dirs.length > 0) return layers.dirs;
  const empty = join(containerDir, 'empty');
  checkOptionPath(empty, 'driver root');
  mkdirSync(empty, { recursive: true, mode: 0o755 });
  return [empty];
}

/**
 * The upper dir's own mode and owner become those of the container's '/', so copy them from the top layer's
 * root (0755 root:root without layers). Only on creation: the container may have changed them since.
 */
function makeUpper(upper: string, topLayer: string | undefined): void {
  if (existsSync(upper)) return;
  const template = topLayer ? statSync(topLayer) : undefined;
  mkdirSync(upper, { recursive: true });
  if (template && process.getuid?.() === 0) chownSync(upper, template.uid, template.gid);
  chmodSync(upper, template ? template.mode & 0o7777 : 0o755);
}

export async function probeOverlay(context: DriverContext, procFilesystems = '/proc/filesystems'): Promise<Support> {
  if (!(await kernelHasFilesystem('overlay', procFilesystems))) {
    return { supported: false, reason: 'overlayfs is not available in this kernel (not listed in /proc/filesystems; try modprobe overlay)' };
  }
  const type = await filesystemType(context.root);
  if (type === FS_MAGIC.overlay || type === FS_MAGIC.nfs) {
    return {
      supported: false,
      reason: `the storage root ${context.root} is on ${filesystemName(type)}, which overlayfs cannot use for its upper dir; put skiff's --root on another filesystem`,
    };
  }
  return { supported: true };
}

export const overlayDriverFactory: StorageDriverFactory = {
  probe: (context) => probeOverlay(context),
  create: createOverlayDriver,
};

/** Whether the running kernel is at least MAJOR.MINOR (`os.release()`, e.g. `6.18.3-1-amd64`). */
export function kernelAtLeast(major: number, minor: number, text = release()): boolean {
  const match = /^(\d+)\.(\d+)/.exec(text);
  if (!match) return false;
  const [have, haveMinor] = [Number(match[1]), Number(match[2])];
  return have > major || (have === major && haveMinor >= minor);
}

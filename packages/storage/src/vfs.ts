/**
 * vfs storage driver: the fallback that works on any filesystem and kernel. Each container gets a full copy
 * of the image's layers, and the helper bind-mounts that copy as its root.
 *
 *   <ctx.root>/
 *     <id>/                0700, one per container
 *       rootfs/            the container's root: every layer copied bottom-up, then its own changes (diffPath;
 *                          vfs cannot tell the changes from the image)
 *       .rootfs-<random>/  a copy in progress; renamed to rootfs/ when complete, so a crash or a concurrent
 *                          prepare never leaves a half copy in use
 *
 *   mount: bind (rbind) <id>/rootfs on '/'
 *
 * Copying keeps modes, ownership, timestamps, xattrs, symlinks verbatim, device nodes and hardlinks within a
 * layer (`cp -a`). Whiteouts in upper layers are applied: OCI `.wh.<name>` files, `.wh..wh..opq` opaque
 * markers and overlayfs 0:0 character devices. (overlayfs's `trusted.overlay.opaque` xattr is not read.)
 *
 * Limits: disk space and prepare time grow with the image size, for every container; hardlinks between
 * different layers become separate files.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  SkiffError,
  failedPrecondition,
  removeTree,
  type DriverContext,
  type Mount,
  type StorageDriver,
  type StorageDriverFactory,
} from '@skiff/plugin';
import { containerDirOf } from './plan.js';

/** Made at first use: at the top level it loaded node:util and node:child_process with the package. */
const execFileAsync = (file: string, args: string[]) => promisify(execFile)(file, args);

export function createVfsDriver(context: DriverContext): StorageDriver {
  const containerDir = (id: string) => containerDirOf(context.root, id);

  return {
    specificationVersion: 'v1',
    name: 'vfs',

    async prepare(id, layers) {
      const dir = containerDir(id);
      const rootfs = join(dir, 'rootfs');
      const mounts: Mount[] = [{ type: 'bind', source: rootfs, target: '/', options: ['rbind'] }];
      if (existsSync(rootfs)) return mounts;
      for (const layer of layers.dirs) {
        const info = await lstat(layer).catch(() => undefined);
        if (!info?.isDirectory()) throw failedPrecondition(`image layer ${layer} is missing or not a directory`);
      }
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const partial = join(dir, `.rootfs-${process.getBuiltinModule('node:crypto').randomBytes(6).toString('hex')}`);
      await mkdir(partial, { mode: 0o755 });
      try {
        for (const layer of [...layers.dirs].reverse()) await applyLayer(layer, partial);
        await rename(partial, rootfs);
      } catch (error) {
        await rm(partial, { recursive: true, force: true });
        // A concurrent prepare of the same container finished first: its copy is as good as ours.
        if (!existsSync(rootfs)) throw error;
      }
      return mounts;
    },

    async remove(id) {
      await removeTree(containerDir(id));
    },

    diffPath(id) {
      const rootfs = join(containerDir(id), 'rootfs');
      return existsSync(rootfs) ? rootfs : undefined;
    },
  };
}

/** Copies one layer over `dest`, applying its whiteouts to what the lower layers put there. */
export async function applyLayer(layer: string, dest: string): Promise<void> {
  const markers: string[] = [];
  await resolveConflicts(layer, dest, '', markers);
  try {
    // `layer/.` copies the layer's contents (and its root's attributes) into dest. --remove-destination replaces
    // a lower layer's file or symlink instead of writing through it.
    await execFileAsync('cp', ['-a', '--remove-destination', '--', `${layer}/.`, `${dest}/`]);
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new SkiffError('INTERNAL', `copying image layer ${layer} failed: ${stderr || (error as Error).message}`, { cause: error });
  }
  for (const marker of markers) await rm(join(dest, marker), { recursive: true, force: true });
}

/**
 * Before copying: apply whiteouts, and remove what the layer replaces with a different kind of file (a
 * directory over a symlink, a file over a directory). Pre-order, so by the time a directory's children are
 * handled its counterpart in `dest` is a real directory: no path below ever passes through a symlink.
 */
async function resolveConflicts(layer: string, dest: string, relative: string, markers: string[]): Promise<void> {
  for (const entry of await readdir(join(layer, relative), { withFileTypes: true })) {
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.name === '.wh..wh..opq') {
      // Opaque directory: nothing from the lower layers shows through.
      for (const lower of await readdir(join(dest, relative)).catch(() => [])) {
        await rm(join(dest, relative, lower), { recursive: true, force: true });
      }
      markers.push(path);
      continue;
    }
    if (entry.name.startsWith('.wh.')) {
      await rm(join(dest, relative, entry.name.slice('.wh.'.length)), { recursive: true, force: true });
      markers.push(path);
      continue;
    }
    if (entry.isCharacterDevice() && (await lstat(join(layer, path))).rdev === 0) {
      await rm(join(dest, path), { recursive: true, force: true });
      markers.push(path);
      continue;
    }
    const existing = await lstat(join(dest, path)).catch(() => undefined);
    if (existing && (existing.isSymbolicLink() || existing.isDirectory() !== entry.isDirectory())) {
      await rm(join(dest, path), { recursive: true, force: true });
    }
    if (entry.isDirectory()) await resolveConflicts(layer, dest, path, markers);
  }
}

export const vfsDriverFactory: StorageDriverFactory = {
  probe: async () => ({ supported: true }),
  create: createVfsDriver,
};

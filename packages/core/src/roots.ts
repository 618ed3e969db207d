import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where skiff keeps things. Persistent root (default /var/lib/skiff, env SKIFF_ROOT):
 *
 *   <root>/containers/<id>/config.json   the container record (see state/record.ts)
 *   <root>/containers/<id>/rootfs/       mount point of the root filesystem, inside the container's namespace only
 *   <root>/staging/<id>/                 a container directory being made: moved into containers/ with its record
 *   <root>/names/<name>                  name reservation, created exclusively; holds the id
 *   <root>/storage/<driver>/...          each storage driver's own directory
 *   <root>/volumes/<driver>/...          each volume driver's own directory
 *   <root>/images, <root>/layers         the image store
 *
 * Runtime root (default /run/skiff, env SKIFF_RUN_ROOT): locks (abstract unix socket names: see @skiff/plugin's lock.ts) and per-run records that mean nothing after
 * a reboot.
 *
 *   <runRoot>/seccomp/<key>              seccomp filters the helper built, one per profile (native c/seccomp-cache.c)
 */
export interface Roots {
  root: string;
  runRoot: string;
}

export function resolveRoots(options: Partial<Roots> = {}, env: NodeJS.ProcessEnv = process.env): Roots {
  return {
    root: options.root ?? env.SKIFF_ROOT ?? '/var/lib/skiff',
    runRoot: options.runRoot ?? env.SKIFF_RUN_ROOT ?? '/run/skiff',
  };
}

export const containersDir = (roots: Roots) => join(roots.root, 'containers');
export const containerDir = (roots: Roots, id: string) => join(roots.root, 'containers', id);
export const namesDir = (roots: Roots) => join(roots.root, 'names');
export const stagingDir = (roots: Roots) => join(roots.root, 'staging');
/** Where the helper keeps the seccomp filters it built (the plan's `seccompcache`): a start of the same profile skips libseccomp. */
export const seccompCacheDir = (roots: Roots) => join(roots.runRoot, 'seccomp');

/**
 * Makes the state roots private. Every directory skiff owns is 0700 whatever the mode of a root someone made
 * beforehand (a 0755 root once exposed committed layers, setuid binaries included, to every local user): the
 * roots are created 0700 when missing, and each directory directly inside them is set to 0700 when it is
 * more open. One level is enough: nothing deeper can be reached without passing through it. Layer and rootfs
 * directories further down keep their own modes, which containers see as theirs.
 * Cost: one readdir and one lstat per top-level entry (about ten), no tree walk.
 */
export function makeRootsPrivate(roots: Roots): void {
  for (const root of [roots.root, roots.runRoot]) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(root, entry.name);
      try {
        if ((lstatSync(path).mode & 0o077) !== 0) chmodSync(path, 0o700);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // removed meanwhile: fine
      }
    }
  }
}

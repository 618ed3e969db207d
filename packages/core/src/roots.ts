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
 * Runtime root (default /run/skiff, env SKIFF_RUN_ROOT): locks and per-run records that mean nothing after
 * a reboot.
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

import type { Mount } from './mount.js';
import type { DriverContext, Support } from './driver-context.js';

/**
 * A storage driver makes the container's root filesystem: the image's read-only layers under a writable layer
 * that belongs to one container. Implementations: `overlay` (default), `aufs`, `vfs` (copy, works anywhere).
 */
export interface StorageDriver {
  /** Contract version; bumped on incompatible changes so old third-party drivers can be recognised. */
  readonly specificationVersion: 'v1';
  readonly name: string;

  /**
   * Create (or find, if it already exists) the writable layer of container `id` over `layers`, and return the
   * mounts that assemble its root filesystem, the first with target '/'. Must not mount anything itself.
   * Calling it again for an existing id returns the same layer (used by `start` after `stop`).
   */
  prepare(id: string, layers: ImageLayers): Promise<Mount[]>;

  /**
   * Delete every file of container `id`. Resolves when already gone. Must refuse (FAILED_PRECONDITION) rather
   * than delete a tree that still has a mount point inside it.
   */
  remove(id: string): Promise<void>;

  /** Host path of the container's writable layer (its changes against the image), or undefined if none. */
  diffPath(id: string): string | undefined;
}

/** The read-only layers of an image, as host directories, top-most first. */
export interface ImageLayers {
  /** Top-most first: `dirs[0]` shadows `dirs[1]`. */
  dirs: string[];
}

export interface StorageDriverFactory {
  /** Whether this host can run the driver; a `false` is a skip with a reason, never a crash. */
  probe(context: DriverContext): Promise<Support>;
  create(context: DriverContext): StorageDriver;
}

import type { Mount } from './mount.js';
import type { DriverContext, Support } from './driver-context.js';

/**
 * A volume driver turns a volume request into mounts. After moby's volume driver: `mount(request)` and
 * `unmount(request)` carry the container id as `ref`, so a driver can count its users.
 * Built in: `bind` (default: the host directory bind-mounted) and `overlay` (the host directory is the upper
 * dir of an overlay whose lower is the image's own content at that path, so writes land on the host).
 */
export interface VolumeDriver {
  readonly specificationVersion: 'v1';
  readonly name: string;

  /**
   * Check the request and return its mounts (targets equal `request.target`). May create host directories
   * the user named (mode 0755) and files under `request.scratchDir`, nothing else. Throws a SkiffError with a
   * clear message on bad input or a conflict (for example an upper dir already used by a running container).
   */
  mount(request: VolumeRequest): Promise<Mount[]>;

  /** Release what `mount` took for `request.ref`. Resolves when there is nothing to release. Never deletes user data. */
  unmount(request: VolumeRequest): Promise<void>;
}

/** A volume as a container is created with it: what `-v` or `--mount` said, after parsing. */
export interface VolumeSpec {
  /**
   * Absolute, normalised host path; or a volume name (docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+) for drivers
   * that manage their own volumes (`-v scratch:/scratch:driver=tmpfs`). bind and overlay need a path.
   */
  source: string;
  /** Absolute, normalised container path, never '/'. */
  target: string;
  readOnly: boolean;
  /** The volume driver named for this volume; absent means the run's `--volume-driver` or the default. */
  driver?: string | undefined;
  /** Driver options (`key=value` words), without `driver`. */
  options: Record<string, string>;
}

export interface VolumeRequest {
  /** The container id using the volume. */
  ref: string;
  /** What stands left of the first ':' in the spec: an absolute host path for bind and overlay. */
  source: string;
  /** Absolute, normalised path inside the container. */
  target: string;
  readOnly: boolean;
  /** Driver options from the spec (`-v SRC:DST:ro,driver=overlay,key=value`), without `driver`. */
  options: Record<string, string>;
  /**
   * Host path of what the image has at `target` (resolved inside the image root, never outside it), or
   * undefined when the image has nothing there.
   */
  imagePath: string | undefined;
  /** A directory that belongs to this container and this volume; removed with the container. */
  scratchDir: string;
}

export interface VolumeDriverFactory {
  probe(context: DriverContext): Promise<Support>;
  create(context: DriverContext): VolumeDriver;
}

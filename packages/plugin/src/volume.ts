import type { Mount } from './mount.js';
import type { DriverContext, Support } from './driver-context.js';
import { invalidArgument } from './errors.js';

/**
 * A volume driver turns a volume request into mounts. After moby's volume driver: `mount(request)` and
 * `unmount(request)` carry the container id as `ref`, so a driver can count its users.
 * Built in: `bind` (default: the host directory bind-mounted) and `overlay` (the host directory is the upper
 * dir of an overlay whose lower is the image's own content at that path, so writes land on the host).
 */
export interface VolumeDriverV1 {
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
  /**
   * What every image layer holds at `target`, top-most first (the same resolution per layer): the layers that
   * have it as a directory, down to the first where it is something else (a whiteout hides what is below). A driver that
   * shows the image's content (overlay) stacks them to get the merged view. Optional: older callers omit it.
   */
  imagePaths?: string[];
  /** A directory that belongs to this container and this volume; removed with the container. */
  scratchDir: string;
}

/**
 * A v2 volume driver also provides named volumes, after docker's volume plugin protocol (Create, Remove, Get,
 * List, Path, Mount, Unmount, Capabilities). v1 drivers keep working: they only serve host-path volumes.
 *
 * For a named volume `mount` and `unmount` get `request.source` = the volume name. Every call below takes a
 * name already checked by skiff (VOLUME_NAME), but a driver checks it again (`checkVolumeName`) since a
 * plugin may be called by other code too. Calls for one name are serialised by skiff (a lock per name);
 * calls for different names may run at once, from several processes.
 */
export interface VolumeDriverV2 extends Omit<VolumeDriverV1, 'specificationVersion'> {
  readonly specificationVersion: 'v2';

  /** Scope: 'local' (volumes live on this host) or 'global' (the same name means the same data cluster-wide). */
  capabilities(): VolumeCapabilities;

  /**
   * Create volume `request.name`, or return the existing one unchanged when it exists (docker: creating an
   * existing name is not an error). Atomic: a process killed during create leaves a working volume or
   * nothing that `inspect`/`list` shows. Throws INVALID_ARGUMENT for an option the driver does not know or a
   * bad value, ALREADY_EXISTS when the name exists with other options.
   */
  create(request: VolumeCreateRequest): Promise<VolumeInfo>;

  /**
   * Delete the volume and its data. Resolves when it does not exist. Skiff calls it only for a volume no
   * container references; the driver still refuses (FAILED_PRECONDITION) one it knows is mounted.
   */
  remove(name: string): Promise<void>;

  /** The volume, or undefined when there is none of that name. Never creates. */
  inspect(name: string): Promise<VolumeInfo | undefined>;

  /** Every volume the driver holds, in no particular order. */
  list(): Promise<VolumeInfo[]>;
}

/** Both contract versions: the registry hands out either. */
export type VolumeDriver = VolumeDriverV1 | VolumeDriverV2;

/** True when the driver provides named volumes (contract v2). */
export function providesNamedVolumes(driver: VolumeDriver): driver is VolumeDriverV2 {
  return driver.specificationVersion === 'v2';
}

export interface VolumeCapabilities {
  scope: 'local' | 'global';
  /**
   * The driver's mount already shows the image's content at the target (an overlay with the image as its
   * lower): skiff then makes no copy-up into a new volume. Default false.
   */
  showsImageContent?: boolean;
}

export interface VolumeCreateRequest {
  /** A checked volume name (VOLUME_NAME). */
  name: string;
  /** Driver options (`volume create -o KEY=VALUE`). */
  options: Record<string, string>;
}

/** What `volume inspect` shows of a volume, as the driver knows it. */
export interface VolumeInfo {
  name: string;
  /** Host path of the volume's data (docker's Mountpoint); '' when the data has no host path (tmpfs). */
  mountpoint: string;
  /** The options it was created with. */
  options: Record<string, string>;
  /** ISO 8601 creation time. */
  createdAt: string;
  /** Driver-specific status (docker's Status), shown as is. */
  status?: Record<string, unknown>;
}

/** docker's volume name rule. Names are directory names in drivers' stores, so nothing else may pass. */
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;

/** Throws INVALID_ARGUMENT unless `name` is a valid volume name; the message says what is allowed. */
export function checkVolumeName(name: string): string {
  if (typeof name !== 'string' || !VOLUME_NAME.test(name)) {
    const shown = typeof name === 'string' && name.length > 80 ? `${JSON.stringify(name.slice(0, 80))}...` : JSON.stringify(name);
    throw invalidArgument(
      `invalid volume name ${shown}: use 1 to 255 of [a-zA-Z0-9_.-], starting with a letter or digit`,
    );
  }
  return name;
}

export interface VolumeDriverFactory {
  probe(context: DriverContext): Promise<Support>;
  create(context: DriverContext): VolumeDriver;
}

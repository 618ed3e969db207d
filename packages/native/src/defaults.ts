/**
 * Docker's container filesystem (moby `oci/defaults.go`, runc's libcontainer defaults): what a plain
 * `docker run` container gets besides its image and volumes. The one place these defaults live; the helper
 * only carries out the operations this returns. A caller with its own list (an OCI config.json's mounts,
 * devices, masked and read-only paths) builds the FilesystemOp list itself and skips this module.
 */

import { MountFlags, type FilesystemOp, type MountSyscall, type NetworkMode } from './plan.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, type DeviceNode } from './security.js';

const { MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_STRICTATIME } = MountFlags;

/** The device nodes of every container's /dev (runc's AllowedDevices that are created), mode 0666. */
export const DEFAULT_DEVICES: readonly DeviceNode[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o666 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, mode: 0o666 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, mode: 0o666 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, mode: 0o666 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, mode: 0o666 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, mode: 0o666 },
];

/** /dev's symlinks. /dev/ptmx must reach the container's own devpts instance, not the host's. */
export const DEFAULT_DEV_SYMLINKS: readonly { path: string; to: string }[] = [
  { path: '/dev/fd', to: '/proc/self/fd' },
  { path: '/dev/stdin', to: '/proc/self/fd/0' },
  { path: '/dev/stdout', to: '/proc/self/fd/1' },
  { path: '/dev/stderr', to: '/proc/self/fd/2' },
  { path: '/dev/ptmx', to: 'pts/ptmx' },
];

export interface ContainerFilesystemOptions {
  /** The storage driver's mounts (the root, target '/', first), then volumes and tmpfs mounts, in order. */
  mounts: readonly MountSyscall[];
  /** 'host' shows the host's /sys (read-only all the way down) instead of a sysfs of the container's own netns. */
  network: NetworkMode;
  /** --device nodes (the container's devices cgroup must allow them too). */
  devices?: readonly DeviceNode[];
  /** Default DEFAULT_MASKED_PATHS; [] for --privileged. */
  maskedPaths?: readonly string[];
  /** Default DEFAULT_READONLY_PATHS; [] for --privileged. */
  readonlyPaths?: readonly string[];
  /** --shm-size: /dev/shm's size in bytes (default 64 MiB, as docker). */
  shmSizeBytes?: number;
  /** --sysctl: written through the container's /proc once everything is mounted, before the read-only paths. */
  sysctls?: Readonly<Record<string, string>>;
}

const mount = (source: string, target: string, fstype: string, flags: number, data = '', extra: Partial<MountSyscall> = {}): FilesystemOp => ({
  op: 'mount',
  source,
  target,
  fstype,
  flags,
  data,
  ...extra,
});

/** The system mounts of docker's config: /proc, /dev with its nodes and links, /dev/pts, /dev/shm, /dev/mqueue, /sys. */
function systemMounts(network: NetworkMode, shmSizeBytes?: number): FilesystemOp[] {
  if (shmSizeBytes !== undefined && (!Number.isSafeInteger(shmSizeBytes) || shmSizeBytes <= 0)) throw new Error(`shmSizeBytes must be a positive integer, not ${shmSizeBytes}`);
  const shmSize = shmSizeBytes === undefined ? '65536k' : String(shmSizeBytes);
  return [
    // A fresh proc: the container is PID 1 of a new pid namespace, so it lists only its own processes.
    mount('proc', '/proc', 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC),
    // A private tmpfs, not the host's devtmpfs: the container sees only the few devices created in it.
    mount('tmpfs', '/dev', 'tmpfs', MS_NOSUID | MS_STRICTATIME, 'mode=755,size=65536k'),
    ...DEFAULT_DEVICES.map((device): FilesystemOp => ({ op: 'device', ...device })),
    ...DEFAULT_DEV_SYMLINKS.map((link): FilesystemOp => ({ op: 'symlink', ...link })),
    // newinstance: a devpts of its own, so the container sees only its ptys and gets /dev/pts/0 first.
    mount('devpts', '/dev/pts', 'devpts', MS_NOSUID | MS_NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5'),
    mount('shm', '/dev/shm', 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, `mode=1777,size=${shmSize}`),
    // The message queues of the container's IPC namespace; kernels built without mqueue skip it.
    mount('mqueue', '/dev/mqueue', 'mqueue', MS_NOSUID | MS_NODEV | MS_NOEXEC, '', { optional: true }),
    network === 'host'
      ? // The host's network: its /sys, read-only all the way down.
        mount('/sys', '/sys', '', MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, '', { recursive: true })
      : // A fresh sysfs of the container's own network namespace shows only its interfaces.
        mount('sysfs', '/sys', 'sysfs', MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC),
  ];
}

/**
 * Docker's container filesystem, in the order the helper builds it: the root, the system mounts, the
 * caller's other mounts (last, so a volume may cover a default such as /dev/shm, as in docker), --device
 * nodes, then read-only paths and masks over everything (runc's order), so no volume can uncover them.
 */
export function containerFilesystem(options: ContainerFilesystemOptions): FilesystemOp[] {
  const [root, ...rest] = options.mounts;
  if (root?.target !== '/') throw new Error("the first mount must be the root filesystem (target '/')");
  return [
    { op: 'mount', ...root },
    ...systemMounts(options.network, options.shmSizeBytes),
    ...rest.map((m): FilesystemOp => ({ op: 'mount', ...m })),
    ...(options.devices ?? []).map((device): FilesystemOp => ({ op: 'device', ...device })),
    ...Object.entries(options.sysctls ?? {}).map(([key, value]): FilesystemOp => ({ op: 'sysctl', key, value })),
    ...(options.readonlyPaths ?? DEFAULT_READONLY_PATHS).map((path): FilesystemOp => ({ op: 'readonly', path })),
    ...(options.maskedPaths ?? DEFAULT_MASKED_PATHS).map((path): FilesystemOp => ({ op: 'mask', path })),
  ];
}

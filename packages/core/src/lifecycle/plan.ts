import { containerFilesystem, mountToSyscall, type LaunchPlan } from '@skiff/native';
import type { Mount } from '@skiff/plugin';
import type { ContainerConfig } from '../state/record.js';
import { planFilesystemSecurity, planSecurity } from './security.js';

/** What a start has prepared on the host for the plan: the mountpoint, the drivers' mounts, the cgroup. */
export interface PreparedStart {
  /** Host directory the root filesystem is mounted on (in the container's own mount namespace). */
  rootfs: string;
  /** The storage driver's mounts (the root first), then every volume driver's, in the config's order. */
  mounts: readonly Mount[];
  /** cgroup.procs files the container's init joins. */
  cgroupProcs: string[];
  /** The network namespace to join (bridge, user network, container:ID); none: a fresh one (or the host's). */
  netns?: string | undefined;
  /** `netns` is a name made for this start, which the helper removes once it holds the namespace. */
  netnsDrop?: boolean | undefined;
}

/**
 * The whole plan of an attached start: every mount, device node, symlink, mask and read-only path in the
 * order the helper carries them out (docker's defaults from containerFilesystem, then --tmpfs after the
 * volumes), and the command with its security. Pure: a test can check a whole plan without root.
 */
export function launchPlan(config: ContainerConfig, prepared: PreparedStart): LaunchPlan {
  const mounts = [...prepared.mounts, ...config.security.tmpfs];
  return {
    rootfs: prepared.rootfs,
    filesystem: containerFilesystem({
      mounts: mounts.map(mountToSyscall),
      network: config.network === 'host' ? 'host' : 'none',
      ...planFilesystemSecurity(config.security),
    }),
    hostname: config.hostname,
    cwd: config.workdir,
    args: config.args,
    env: config.env,
    tty: config.tty,
    stdin: config.interactive,
    network: config.network === 'host' ? 'host' : 'none',
    ...(prepared.netns ? { netns: prepared.netns, netnsDrop: prepared.netnsDrop ?? false } : {}),
    cgroupProcs: prepared.cgroupProcs,
    init: config.init,
    ...planSecurity(config.security),
  };
}

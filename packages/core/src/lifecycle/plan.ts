import { constants } from 'node:os';
import { containerFilesystem, mountToSyscall, type LaunchPlan, type NamespaceSpec } from '@skiff/native';
import type { Mount } from '@skiff/plugin';
import type { ContainerConfig } from '../state/record.js';
import { planRlimits } from './limits.js';
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
  /** --pid / --ipc resolved at start: 'host' or a /proc/PID/ns/... path. */
  pidNamespace?: string | undefined;
  ipcNamespace?: string | undefined;
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
      ...(config.shmSizeBytes ? { shmSizeBytes: config.shmSizeBytes } : {}),
      ...(config.sysctls ? { sysctls: config.sysctls } : {}),
    }),
    ...namespaces(config, prepared),
    // --uts host: the host's namespace, whose name the container must never change.
    hostname: config.utsMode === 'host' ? '' : config.hostname,
    ...(config.domainname ? { domainname: config.domainname } : {}),
    ...(config.oomScoreAdj === undefined ? {} : { oomScoreAdj: config.oomScoreAdj }),
    cwd: config.workdir,
    args: config.args,
    env: config.env,
    tty: config.tty,
    stdin: config.interactive,
    network: config.network === 'host' ? 'host' : 'none',
    ...(prepared.netns ? { netns: prepared.netns, netnsDrop: prepared.netnsDrop ?? false } : {}),
    cgroupProcs: prepared.cgroupProcs,
    // --restart is carried out by the init.
    init: config.init || config.restartPolicy !== undefined,
    ...(config.restartPolicy
      ? {
          restart: {
            mode: config.restartPolicy.name === 'on-failure' ? 'on-failure' : 'always',
            maxRetries: config.restartPolicy.maximumRetryCount,
            stopSignal: constants.signals[config.stopSignal ?? 'SIGTERM'],
          },
        }
      : {}),
    ...planSecurity(config.security),
    ...planRlimits(config),
  };
}

/**
 * --pid / --ipc / --uts / --cgroupns as the helper's `namespace` records: without them the helper makes its default
 * set (new mnt, uts, ipc, pid, and net unless the network is the host's or a prepared one); with any, the whole set
 * is listed, the host's left out and another container's joined by path. A new cgroup namespace is made after the
 * init joined its cgroup (the helper's order), so the container sees its own cgroup as "/".
 */
function namespaces(config: ContainerConfig, prepared: PreparedStart): { namespaces?: NamespaceSpec[] } {
  const privateCgroup = config.cgroupnsMode === 'private';
  if (!prepared.pidNamespace && !prepared.ipcNamespace && !config.utsMode && !privateCgroup) return {};
  const own = (type: NamespaceSpec['type'], mode: string | undefined): NamespaceSpec[] =>
    mode === 'host' ? [] : mode ? [{ type, path: mode }] : [{ type }];
  return {
    namespaces: [
      { type: 'mount' },
      ...own('uts', config.utsMode),
      ...own('ipc', prepared.ipcNamespace),
      // the host's, or the one skiff prepared (joined by the helper's netns record first): no record; else a new one
      ...(config.network === 'host' || prepared.netns ? [] : [{ type: 'network' as const }]),
      ...own('pid', prepared.pidNamespace),
      ...(privateCgroup ? [{ type: 'cgroup' as const }] : []),
    ],
  };
}

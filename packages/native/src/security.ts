/**
 * docker's default isolation, as data the caller puts in a plan: capabilities, masked and read-only paths
 * (the seccomp profile is its own table, seccomp-profile.ts). The helper applies exactly what the plan says;
 * the defaults live here. test/constants.test.ts checks the capability numbers against c/caps.c.
 */

import type { SeccompAction, SeccompSyscall } from './seccomp-profile.js';

/** Every capability by its kernel name and number (<linux/capability.h>). Keep in sync with capabilities[] in c/caps.c. */
export const CAPABILITIES = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36,
  CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
  CAP_CHECKPOINT_RESTORE: 40,
} as const;

export type CapabilityName = keyof typeof CAPABILITIES;

/** What a container's root keeps by default: docker's list (moby `oci/caps/defaults.go`). */
export const DEFAULT_CAPABILITIES: readonly CapabilityName[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** A capability by its kernel name, or `ALL` (every one), as `capabilitySet` takes them. */
export type CapabilityRequest = CapabilityName | 'ALL';

/**
 * docker's `--cap-add` / `--cap-drop` arithmetic (moby `TweakCapabilities`) on the default set: drop first,
 * then add. `ALL` in add keeps everything but what is dropped ('all' when nothing is); `ALL` in drop starts
 * from nothing. Throws on a name that is not a capability (callers that take user text canonicalise it first).
 */
export function capabilitySet(options: { add?: readonly CapabilityRequest[]; drop?: readonly CapabilityRequest[] } = {}): CapabilityName[] | 'all' {
  const check = (inputs: readonly CapabilityRequest[], flag: string) =>
    inputs.map((input) => {
      if (input !== 'ALL' && !Object.hasOwn(CAPABILITIES, input)) throw new Error(`${flag}: unknown capability ${JSON.stringify(input)}`);
      return input;
    });
  const add = check(options.add ?? [], '--cap-add');
  const drop = check(options.drop ?? [], '--cap-drop');
  if (add.includes('ALL')) {
    if (drop.length === 0) return 'all';
    return (Object.keys(CAPABILITIES) as CapabilityName[]).filter((name) => !drop.includes(name));
  }
  const kept = new Set<CapabilityName>(drop.includes('ALL') ? [] : DEFAULT_CAPABILITIES);
  for (const name of drop) if (name !== 'ALL') kept.delete(name);
  for (const name of add) if (name !== 'ALL') kept.add(name);
  return [...kept];
}

/**
 * Paths hidden from a container (moby `oci/defaults.go`): a file is covered by /dev/null, a directory by an
 * empty read-only tmpfs. Paths this kernel lacks are skipped.
 */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Paths a container sees read-only (moby `oci/defaults.go`): they reach the whole host. */
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** What the plan's seccomp records carry: docker's default profile (SECCOMP_PROFILE in seccomp-profile.ts), no filter, or a
 * caller's own list (an OCI config's profile): calls it does not name get EPERM. */
export type SeccompProfile = 'default' | 'unconfined' | { syscalls: readonly SeccompSyscall[]; defaultAction?: SeccompAction };

/** A device node the container gets (`device` record, docker `--device`). */
export interface DeviceNode {
  /** Absolute path in the container, usually under /dev. An existing entry there is replaced. */
  path: string;
  /** Character or block device. */
  type: 'c' | 'b';
  major: number;
  minor: number;
  /** Permission bits of the node, e.g. 0o666. */
  mode: number;
}

/** The user the command runs as (`user` and `group` records). */
export interface UserSpec {
  uid: number;
  gid: number;
  /** Supplementary groups; none when absent (the caller's are never inherited). */
  groups?: readonly number[];
}

/**
 * docker's default isolation, as data the caller puts in a plan: capabilities, masked and read-only paths,
 * and what the helper's `seccomp default` filter blocks. The helper applies exactly what the plan says; the
 * defaults live here. test/constants.test.ts checks the capability numbers and the seccomp list against
 * c/caps.c and c/seccomp.c.
 */

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

/**
 * The canonical name of a capability as a user writes it (`net_admin`, `NET_ADMIN`, `CAP_NET_ADMIN`), or
 * undefined when there is no such capability. `ALL` is not a capability: callers handle it themselves.
 */
export function capabilityName(input: string): CapabilityName | undefined {
  const upper = input.trim().toUpperCase();
  const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  return Object.hasOwn(CAPABILITIES, name) ? (name as CapabilityName) : undefined;
}

/**
 * docker's `--cap-add` / `--cap-drop` arithmetic (moby `TweakCapabilities`) on the default set: drop first,
 * then add. `ALL` in add keeps everything but what is dropped ('all' when nothing is); `ALL` in drop starts
 * from nothing. Throws on an unknown name.
 */
export function capabilitySet(options: { add?: readonly string[]; drop?: readonly string[] } = {}): CapabilityName[] | 'all' {
  const parse = (inputs: readonly string[], flag: string) =>
    inputs.map((input) => {
      if (input.trim().toUpperCase() === 'ALL') return 'ALL' as const;
      const name = capabilityName(input);
      if (!name) throw new Error(`${flag}: unknown capability "${input}"`);
      return name;
    });
  const add = parse(options.add ?? [], '--cap-add');
  const drop = parse(options.drop ?? [], '--cap-drop');
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

/** `seccomp` record: the helper's built-in filter (docker's default profile) or none. */
export type SeccompProfile = 'default' | 'unconfined';

export interface SeccompRule {
  /** x86_64 system call name. */
  syscall: string;
  /** What the call returns instead of running. */
  errno: 'EPERM' | 'ENOSYS';
  /** Set when the rule applies only to some arguments. */
  only?: string;
}

/**
 * Exactly what `seccomp default` refuses, for SECURITY.md. Besides this list the filter kills a process that
 * makes a system call of another architecture (a 32-bit `int 0x80` call), and fails x32 calls (number with
 * bit 0x40000000) with ENOSYS. docker's i386-only entries (stime, umount, vm86, vm86old) do not exist on
 * x86_64. Everything else is allowed (capabilities still apply). Keep in sync with rules[] in c/seccomp.c.
 */
export const SECCOMP_BLOCKED: readonly SeccompRule[] = [
  { syscall: '_sysctl', errno: 'EPERM' },
  { syscall: 'acct', errno: 'EPERM' },
  { syscall: 'add_key', errno: 'EPERM' },
  { syscall: 'bpf', errno: 'EPERM' },
  { syscall: 'clock_adjtime', errno: 'EPERM' },
  { syscall: 'clock_settime', errno: 'EPERM' },
  {
    syscall: 'clone',
    errno: 'EPERM',
    only: 'flags include CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET or CLONE_NEWCGROUP',
  },
  { syscall: 'clone3', errno: 'ENOSYS' },
  { syscall: 'create_module', errno: 'EPERM' },
  { syscall: 'delete_module', errno: 'EPERM' },
  { syscall: 'fanotify_init', errno: 'EPERM' },
  { syscall: 'finit_module', errno: 'EPERM' },
  { syscall: 'fsconfig', errno: 'EPERM' },
  { syscall: 'fsmount', errno: 'EPERM' },
  { syscall: 'fsopen', errno: 'EPERM' },
  { syscall: 'fspick', errno: 'EPERM' },
  { syscall: 'get_kernel_syms', errno: 'EPERM' },
  { syscall: 'get_mempolicy', errno: 'EPERM' },
  { syscall: 'init_module', errno: 'EPERM' },
  { syscall: 'ioctl', errno: 'EPERM', only: 'request TIOCSTI or TIOCLINUX' },
  { syscall: 'io_uring_enter', errno: 'EPERM' },
  { syscall: 'io_uring_register', errno: 'EPERM' },
  { syscall: 'io_uring_setup', errno: 'EPERM' },
  { syscall: 'ioperm', errno: 'EPERM' },
  { syscall: 'iopl', errno: 'EPERM' },
  { syscall: 'kcmp', errno: 'EPERM' },
  { syscall: 'kexec_file_load', errno: 'EPERM' },
  { syscall: 'kexec_load', errno: 'EPERM' },
  { syscall: 'keyctl', errno: 'EPERM' },
  { syscall: 'lookup_dcookie', errno: 'EPERM' },
  { syscall: 'mbind', errno: 'EPERM' },
  { syscall: 'mount', errno: 'EPERM' },
  { syscall: 'mount_setattr', errno: 'EPERM' },
  { syscall: 'move_mount', errno: 'EPERM' },
  { syscall: 'move_pages', errno: 'EPERM' },
  { syscall: 'name_to_handle_at', errno: 'EPERM' },
  { syscall: 'nfsservctl', errno: 'EPERM' },
  { syscall: 'open_by_handle_at', errno: 'EPERM' },
  { syscall: 'open_tree', errno: 'EPERM' },
  { syscall: 'perf_event_open', errno: 'EPERM' },
  { syscall: 'personality', errno: 'EPERM', only: 'persona other than 0x0, 0x8, 0x20000, 0x20008 or 0xffffffff' },
  { syscall: 'pidfd_getfd', errno: 'EPERM' },
  { syscall: 'pivot_root', errno: 'EPERM' },
  { syscall: 'process_madvise', errno: 'EPERM' },
  { syscall: 'process_vm_readv', errno: 'EPERM' },
  { syscall: 'process_vm_writev', errno: 'EPERM' },
  { syscall: 'ptrace', errno: 'EPERM' },
  { syscall: 'query_module', errno: 'EPERM' },
  { syscall: 'quotactl', errno: 'EPERM' },
  { syscall: 'quotactl_fd', errno: 'EPERM' },
  { syscall: 'reboot', errno: 'EPERM' },
  { syscall: 'request_key', errno: 'EPERM' },
  { syscall: 'set_mempolicy', errno: 'EPERM' },
  { syscall: 'set_mempolicy_home_node', errno: 'EPERM' },
  { syscall: 'setns', errno: 'EPERM' },
  { syscall: 'settimeofday', errno: 'EPERM' },
  { syscall: 'swapoff', errno: 'EPERM' },
  { syscall: 'swapon', errno: 'EPERM' },
  { syscall: 'sysfs', errno: 'EPERM' },
  { syscall: 'syslog', errno: 'EPERM' },
  { syscall: 'umount2', errno: 'EPERM' },
  { syscall: 'unshare', errno: 'EPERM' },
  { syscall: 'uselib', errno: 'EPERM' },
  { syscall: 'userfaultfd', errno: 'EPERM' },
  { syscall: 'ustat', errno: 'EPERM' },
  { syscall: 'vhangup', errno: 'EPERM' },
];

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

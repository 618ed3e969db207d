/**
 * The default seccomp profile: ONE table, from which the plan carries the filter to the helper (c/seccomp.c
 * builds it with libseccomp) and SECURITY.md's list is generated (test/seccomp-doc.test.ts checks the two
 * agree). Derived from docker's default profile (moby `profiles/seccomp/default.json`), x86_64 entries only:
 *
 *   - an allow list: a call not in it fails with EPERM, and a call whose number is above every call the
 *     list names (newer than the profile) with ENOSYS, as runc does, so that libc falls back to an older call;
 *   - argument filters for clone (no namespace flags), personality (docker's five personas) and socket (no
 *     AF_VSOCK, also with high bits set, which docker's rule lets through); clone3 answers ENOSYS (its flags are in memory, out of a filter's reach, and libc then falls
 *     back to clone);
 *   - capability-gated additions: CAP_SYS_ADMIN allows mount, unshare, setns, clone with any flags and
 *     clone3, ...; CAP_SYS_PTRACE ptrace and kcmp; CAP_SYS_BOOT reboot; and so on, as docker's `includes.caps`.
 *
 * Where skiff is stricter than docker (each a row of SECURITY.md): io_uring_* (newer moby refuses them too),
 * landlock_*, memfd_secret, process_mrelease and modify_ldt are left out; ioctl TIOCSTI/TIOCLINUX are refused
 * (a container handed a terminal could type into it). Any other architecture's calls (a 32-bit `int 0x80`)
 * kill the process; x32 calls fail with ENOSYS.
 */
import type { CapabilityName } from './security.js';

/** libseccomp's comparison operators (SCMP_CMP_*), by their suffix. */
export type SeccompOp = 'NE' | 'LT' | 'LE' | 'EQ' | 'GE' | 'GT' | 'MASKED_EQ';

/** One argument condition, as docker writes it: for MASKED_EQ, `value` is the mask and `valueTwo` the datum. */
export interface SeccompArg {
  index: number;
  op: SeccompOp;
  value: number;
  valueTwo?: number;
}

/**
 * What a call gets: docker's table uses allow, EPERM and ENOSYS; OCI profiles (skiff-runc) also any errno
 * (`errno:N`), kill (the process), killthread, trap (SIGSYS), log (allowed and logged), trace:N (to a ptracer).
 */
export type SeccompAction = 'allow' | 'EPERM' | 'ENOSYS' | `errno:${number}` | 'kill' | 'killthread' | 'trap' | 'log' | `trace:${number}`;

export interface SeccompRule {
  names: readonly string[];
  action: SeccompAction;
  /** All must hold (AND). Rules with the same name and action OR together. */
  args?: readonly SeccompArg[];
  /** Only when the container holds this capability (docker's `includes.caps`). */
  ifCapability?: CapabilityName;
  /** Only when the container lacks it (docker's `excludes.caps`). */
  unlessCapability?: CapabilityName;
  /** Why, for SECURITY.md (rules that restrict or gate, not the plain allow list). */
  why?: string;
}

/** What a call the table does not name gets, and a call newer than every named one. */
export const SECCOMP_DEFAULT_ERRNO = 'EPERM';
export const SECCOMP_NEWER_ERRNO = 'ENOSYS';

/** Namespace flags of clone(2): CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET. */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;
const AF_VSOCK = 40;
const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;

/** personality(2) values docker allows: PER_LINUX, UNAME26, PER_LINUX32, UNAME26|PER_LINUX32, and the query. */
const PERSONAS = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

export const SECCOMP_PROFILE: readonly SeccompRule[] = [
  {
    action: 'allow',
    names: [
      'accept', 'accept4', 'access', 'adjtimex', 'alarm', 'arch_prctl', 'bind', 'brk', 'capget', 'capset', 'chdir',
      'chmod', 'chown', 'chown32', 'clock_adjtime', 'clock_adjtime64', 'clock_getres', 'clock_getres_time64',
      'clock_gettime', 'clock_gettime64', 'clock_nanosleep', 'clock_nanosleep_time64', 'close', 'close_range',
      'connect', 'copy_file_range', 'creat', 'dup', 'dup2', 'dup3', 'epoll_create', 'epoll_create1', 'epoll_ctl',
      'epoll_ctl_old', 'epoll_pwait', 'epoll_pwait2', 'epoll_wait', 'epoll_wait_old', 'eventfd', 'eventfd2', 'execve',
      'execveat', 'exit', 'exit_group', 'faccessat', 'faccessat2', 'fadvise64', 'fadvise64_64', 'fallocate',
      'fanotify_mark', 'fchdir', 'fchmod', 'fchmodat', 'fchown', 'fchown32', 'fchownat', 'fcntl', 'fcntl64',
      'fdatasync', 'fgetxattr', 'flistxattr', 'flock', 'fork', 'fremovexattr', 'fsetxattr', 'fstat', 'fstat64',
      'fstatat64', 'fstatfs', 'fstatfs64', 'fsync', 'ftruncate', 'ftruncate64', 'futex', 'futex_time64', 'futex_waitv',
      'futimesat', 'get_robust_list', 'get_thread_area', 'getcpu', 'getcwd', 'getdents', 'getdents64', 'getegid',
      'getegid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getgroups', 'getgroups32', 'getitimer', 'getpeername',
      'getpgid', 'getpgrp', 'getpid', 'getppid', 'getpriority', 'getrandom', 'getresgid', 'getresgid32', 'getresuid',
      'getresuid32', 'getrlimit', 'getrusage', 'getsid', 'getsockname', 'getsockopt', 'gettid', 'gettimeofday',
      'getuid', 'getuid32', 'getxattr', 'inotify_add_watch', 'inotify_init', 'inotify_init1', 'inotify_rm_watch',
      'io_cancel', 'io_destroy', 'io_getevents', 'io_pgetevents', 'io_pgetevents_time64', 'io_setup', 'io_submit',
      'ioctl', 'ioprio_get', 'ioprio_set', 'ipc', 'kill', 'lchown', 'lchown32', 'lgetxattr', 'link', 'linkat', 'listen',
      'listxattr', 'llistxattr', '_llseek', 'lremovexattr', 'lseek', 'lsetxattr', 'lstat', 'lstat64', 'madvise',
      'membarrier', 'memfd_create', 'mincore', 'mkdir', 'mkdirat', 'mknod', 'mknodat', 'mlock', 'mlock2', 'mlockall',
      'mmap', 'mmap2', 'mprotect', 'mq_getsetattr', 'mq_notify', 'mq_open', 'mq_timedreceive', 'mq_timedreceive_time64',
      'mq_timedsend', 'mq_timedsend_time64', 'mq_unlink', 'mremap', 'msgctl', 'msgget', 'msgrcv', 'msgsnd', 'msync',
      'munlock', 'munlockall', 'munmap', 'name_to_handle_at', 'nanosleep', 'newfstatat', '_newselect', 'open', 'openat',
      'openat2', 'pause', 'pidfd_open', 'pidfd_send_signal', 'pipe', 'pipe2', 'pkey_alloc', 'pkey_free',
      'pkey_mprotect', 'poll', 'ppoll', 'ppoll_time64', 'prctl', 'pread64', 'preadv', 'preadv2', 'prlimit64',
      'pselect6', 'pselect6_time64', 'pwrite64', 'pwritev', 'pwritev2', 'read', 'readahead', 'readlink', 'readlinkat',
      'readv', 'recv', 'recvfrom', 'recvmmsg', 'recvmmsg_time64', 'recvmsg', 'remap_file_pages', 'removexattr',
      'rename', 'renameat', 'renameat2', 'restart_syscall', 'rmdir', 'rseq', 'rt_sigaction', 'rt_sigpending',
      'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn', 'rt_sigsuspend', 'rt_sigtimedwait', 'rt_sigtimedwait_time64',
      'rt_tgsigqueueinfo', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_getaffinity', 'sched_getattr',
      'sched_getparam', 'sched_getscheduler', 'sched_rr_get_interval', 'sched_rr_get_interval_time64',
      'sched_setaffinity', 'sched_setattr', 'sched_setparam', 'sched_setscheduler', 'sched_yield', 'seccomp', 'select',
      'semctl', 'semget', 'semop', 'semtimedop', 'semtimedop_time64', 'send', 'sendfile', 'sendfile64', 'sendmmsg',
      'sendmsg', 'sendto', 'set_robust_list', 'set_thread_area', 'set_tid_address', 'setfsgid', 'setfsgid32',
      'setfsuid', 'setfsuid32', 'setgid', 'setgid32', 'setgroups', 'setgroups32', 'setitimer', 'setpgid', 'setpriority',
      'setregid', 'setregid32', 'setresgid', 'setresgid32', 'setresuid', 'setresuid32', 'setreuid', 'setreuid32',
      'setrlimit', 'setsid', 'setsockopt', 'setuid', 'setuid32', 'setxattr', 'shmat', 'shmctl', 'shmdt', 'shmget',
      'shutdown', 'sigaltstack', 'signalfd', 'signalfd4', 'sigprocmask', 'sigreturn', 'socketcall', 'socketpair',
      'splice', 'stat', 'stat64', 'statfs', 'statfs64', 'statx', 'symlink', 'symlinkat', 'sync', 'sync_file_range',
      'syncfs', 'sysinfo', 'tee', 'tgkill', 'time', 'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime',
      'timer_gettime64', 'timer_settime', 'timer_settime64', 'timerfd_create', 'timerfd_gettime', 'timerfd_gettime64',
      'timerfd_settime', 'timerfd_settime64', 'times', 'tkill', 'truncate', 'truncate64', 'ugetrlimit', 'umask',
      'uname', 'unlink', 'unlinkat', 'utime', 'utimensat', 'utimensat_time64', 'utimes', 'vfork', 'vmsplice', 'wait4',
      'waitid', 'waitpid', 'write', 'writev',
    ],
  },
  { names: ['socket'], action: 'allow' },
  {
    names: ['socket'],
    action: 'EPERM',
    args: [{ index: 0, op: 'MASKED_EQ', value: 0xffffffff, valueTwo: AF_VSOCK }],
    why: 'AF_VSOCK, a way to the host or its VMs (docker allows socket when the domain != 40, a 64-bit test that a domain with high bits set passes; the kernel reads 32 bits, and so does this rule)',
  },
  ...PERSONAS.map((persona): SeccompRule => ({
    names: ['personality'],
    action: 'allow',
    args: [{ index: 0, op: 'EQ', value: persona }],
    why: `persona 0x${persona.toString(16)}`,
  })),
  {
    names: ['ioctl'],
    action: 'EPERM',
    args: [{ index: 1, op: 'MASKED_EQ', value: 0xffffffff, valueTwo: TIOCSTI }],
    why: 'TIOCSTI pushes input into a terminal (the kernel reads 32 bits of the request, so does the filter)',
  },
  { names: ['ioctl'], action: 'EPERM', args: [{ index: 1, op: 'MASKED_EQ', value: 0xffffffff, valueTwo: TIOCLINUX }], why: 'TIOCLINUX: the same on a virtual console' },
  {
    names: ['clone'],
    action: 'allow',
    args: [{ index: 0, op: 'MASKED_EQ', value: CLONE_NAMESPACE_FLAGS, valueTwo: 0 }],
    unlessCapability: 'CAP_SYS_ADMIN',
    why: 'without namespace flags',
  },
  { names: ['clone3'], action: 'ENOSYS', unlessCapability: 'CAP_SYS_ADMIN', why: 'libc falls back to clone, whose flags a filter can check' },
  { names: ['process_vm_readv', 'process_vm_writev', 'ptrace'], action: 'allow', why: 'docker allows these on kernels from 4.8' },
  { names: ['open_by_handle_at'], action: 'allow', ifCapability: 'CAP_DAC_READ_SEARCH' },
  {
    names: [
      'bpf', 'clone', 'clone3', 'fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'lookup_dcookie', 'mount', 'mount_setattr',
      'move_mount', 'open_tree', 'perf_event_open', 'quotactl', 'quotactl_fd', 'setdomainname', 'sethostname', 'setns', 'syslog',
      'umount', 'umount2', 'unshare',
    ],
    action: 'allow',
    ifCapability: 'CAP_SYS_ADMIN',
  },
  { names: ['reboot'], action: 'allow', ifCapability: 'CAP_SYS_BOOT' },
  { names: ['chroot'], action: 'allow', ifCapability: 'CAP_SYS_CHROOT' },
  { names: ['delete_module', 'init_module', 'finit_module'], action: 'allow', ifCapability: 'CAP_SYS_MODULE' },
  { names: ['acct'], action: 'allow', ifCapability: 'CAP_SYS_PACCT' },
  { names: ['kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev', 'ptrace'], action: 'allow', ifCapability: 'CAP_SYS_PTRACE' },
  { names: ['iopl', 'ioperm'], action: 'allow', ifCapability: 'CAP_SYS_RAWIO' },
  { names: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'], action: 'allow', ifCapability: 'CAP_SYS_TIME' },
  { names: ['vhangup'], action: 'allow', ifCapability: 'CAP_SYS_TTY_CONFIG' },
  { names: ['get_mempolicy', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node'], action: 'allow', ifCapability: 'CAP_SYS_NICE' },
  { names: ['syslog'], action: 'allow', ifCapability: 'CAP_SYSLOG' },
  { names: ['bpf'], action: 'allow', ifCapability: 'CAP_BPF' },
  { names: ['perf_event_open'], action: 'allow', ifCapability: 'CAP_PERFMON' },
];

/** One call of the filter the plan carries: a rule of SECCOMP_PROFILE for one name. */
export interface SeccompSyscall {
  name: string;
  action: SeccompAction;
  args: readonly SeccompArg[];
}

/**
 * The rules of SECCOMP_PROFILE that apply to a container with these capabilities ('all': every one), one
 * per name, in table order: what the plan's `syscall` records carry.
 */
export function seccompSyscalls(capabilities: readonly CapabilityName[] | 'all', profile: readonly SeccompRule[] = SECCOMP_PROFILE): SeccompSyscall[] {
  const holds = (cap: CapabilityName) => capabilities === 'all' || capabilities.includes(cap);
  return profile
    .filter((rule) => (!rule.ifCapability || holds(rule.ifCapability)) && (!rule.unlessCapability || !holds(rule.unlessCapability)))
    .flatMap((rule) => rule.names.map((name) => ({ name, action: rule.action, args: rule.args ?? [] })));
}

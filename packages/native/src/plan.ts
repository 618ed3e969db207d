/**
 * The launch plan: everything the native helper needs to start one container, decided and validated in
 * TypeScript. The helper never parses flags or looks at images; it only carries the plan out.
 *
 * Wire format (keep in sync with c/plan.c): the plan travels on the helper's fd 3 as a sequence of
 * NUL-terminated byte strings. Each record starts with a keyword followed by a fixed number of fields;
 * the plan ends with the keyword "end". Strings are passed exactly as given (argv and env can hold spaces,
 * quotes and newlines; they cannot hold NUL, which the encoder rejects).
 *
 * `skiff-helper run` (LaunchPlan):
 *
 *   rootfs  PATH                          host directory the '/' mount is mounted on
 *
 * The container's filesystem: these records are operations, carried out in the order they come, in the
 * container's own mount namespace before pivot_root. The first must be the mount with TARGET '/'; every
 * later PATH or TARGET is absolute in the container and resolved beneath the root (a symlink cannot lead out).
 * The helper adds nothing: /proc, /dev, /sys and the masks are records too (containerFilesystem in
 * defaults.ts writes docker's).
 *
 *   mount   SOURCE TARGET FSTYPE FLAGS DATA OPTIONS
 *                                         FLAGS decimal mount(2) flags; OPTIONS comma-separated words of
 *                                         MOUNT_OPTIONS (or ''): optional = skip when the kernel lacks FSTYPE
 *                                         (ENODEV); recursive = a bind's ro/nosuid/nodev/noexec reach every
 *                                         mount below it too. A sysfs mount the kernel refuses (EPERM: not our
 *                                         network namespace) becomes a recursive read-only bind of /sys, as in runc.
 *   device  PATH TYPE MAJOR MINOR MODE    mknod (an existing entry is replaced); TYPE c|b|p (p: a fifo, 0 0),
 *                                         MODE octal (e.g. 666)
 *   symlink PATH TO                       symlink PATH -> TO
 *   readonly PATH                         bind PATH onto itself read-only (skipped when missing)
 *   mask    PATH                          the container's /dev/null (an earlier device record) over a file, an
 *                                         empty read-only tmpfs over a dir (skipped when missing)
 *   hostpath MODE                         right after a bind mount (not the root's): its SOURCE is a canonical
 *                                         host path, opened component by component without following symlinks
 *                                         (one found fails the start) and mounted from that fd; MODE octal:
 *                                         missing directories are made with it, '-': none are (c/hostpath.c)
 *   hostopts KEYS                         right after a filesystem mount: KEYS ("upperdir,workdir") name data
 *                                         options whose values are canonical host paths; each is opened the same
 *                                         way (nothing created) and passed to the kernel as /proc/self/fd/N
 *
 * The process, in any order among these:
 *
 *   hostname NAME
 *   cwd     DIR
 *   arg     VALUE                         repeated, argv in order
 *   env     KEY=VALUE                     repeated
 *   tty     0|1
 *   stdin   0|1                           keep stdin attached (-i)
 *   network none|host
 *   netns   PATH DROP                     join this network namespace (opened before the clone) instead of a new one;
 *                                         DROP 1: PATH is a name made for this start (ip netns add), removed once opened
 *   cgroup  PATH                          repeated: a cgroup.procs file the init's pid is written to before exec
 *   init    0|1                           PID 1 is the helper's tiny init (signals, zombies); the command its child
 *   detach  0|1                           run under a supervisor that outlives the caller (the records below)
 *   log     PATH                          output log (binary records, see log-format.ts), attached or detached;
 *                                         none: not kept
 *   logmax  BYTES                         rotate once the log exceeds this; 0 (default) never
 *   logkeep N                             detached: rotated files kept, PATH.1 .. PATH.N (default 1; 0: a rotation
 *                                         deletes the log and starts a new one)
 *   status  PATH                          detached: exit status file (see status-file.ts), written atomically
 *   exitcmd ARG                           detached, repeated: argv of a command the supervisor execs once the
 *                                         container has exited and the status file is written; ARG 1 absolute;
 *                                         env only PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,
 *                                         stdio /dev/null. Also after a failed start.
 *   detachkeys HEX                        run -it: the detach sequence (1..16 bytes, lowercase hex); typed on the
 *                                         terminal, the helper becomes the container's supervisor (status,
 *                                         exitcmd and attach then apply as with detach) and writes `detached\n`
 *                                         on fd 4
 *   restart MODE MAX SIGNAL               --restart (needs init 1): MODE no|on-failure|always, MAX the on-failure
 *                                         limit (0: none), SIGNAL the stop signal's number (with TERM, INT and
 *                                         QUIT it ends the restarts; 0: none). See c/restart.c
 *   health  PLAN INTERVAL TIMEOUT START RETRIES
 *                                         detached: health checks (c/health.c); PLAN an exec plan file without
 *                                         target, times in ms
 *   healthstate PATH                      with health: the state file (health-file.ts)
 *   healthstartinterval MS                with health: checks this often during the start period (until one passes)
 *   attach  PATH                          detached: the attach socket (c/attach.c, frames in attach-frames.ts),
 *                                         created 0600; PATH's directory must exist
 *   cap     NAME                          repeated: a capability to keep ("CAP_CHOWN"); every other one is dropped
 *                                         from the bounding set; root keeps the set effective and permitted, any
 *                                         other user none (but its capamb ones); inheritable and ambient
 *                                         are empty unless capinh/capamb records name some
 *   capinh  NAME                          repeated: a capability of the inheritable set (within the kept set)
 *   capamb  NAME                          repeated: a capability of the ambient set (within capinh's): raised
 *                                         after capset, kept by a non-root user across setuid and execve
 *   allcaps 0|1                           1: keep every capability (privileged)
 *   nonewprivs 0|1                        prctl(PR_SET_NO_NEW_PRIVS) before exec
 *   seccomp filter|unconfined             filter: the filter of the syscall records (built with libseccomp):
 *                                         another architecture's call kills the process; an x32 call, or one
 *                                         numbered above every named call (newer than the profile), gets ENOSYS;
 *                                         a call no record allows gets EPERM
 *   syscall NAME ACTION                   repeated: ACTION allow|EPERM|ENOSYS|errno:N|kill|killthread|trap|
 *                                         log|trace:N (SeccompAction) for the call NAME (x86_64 name;
 *                                         one libseccomp does not know, or not an x86_64 call, is skipped)
 *   sysarg  INDEX OP VALUE VALUE2         repeated: a condition on argument INDEX (0-5) of the syscall record
 *                                         before it, all of which must hold; OP NE|LT|LE|EQ|GE|GT|MASKED_EQ
 *                                         (MASKED_EQ: (arg & VALUE) == VALUE2), decimal 64-bit values. Records
 *                                         of one name and action OR together. See seccomp-profile.ts
 *   seccompdefault ACTION                 what a call no record names gets (default EPERM; an OCI profile's).
 *                                         allow or log: a call newer than the profile is let through too
 *   seccompcache DIR                      optional: keep the built filter in DIR (made 0700 if missing) and take
 *                                         it from there when a later plan's seccomp records are the same (file
 *                                         layout and checks: c/seccomp-cache.c). skiff passes <run-root>/seccomp.
 *                                         Only an optimization: a cache the helper cannot use is ignored
 *   user    UID GID                       setgroups, setgid, setuid after the mounts, before exec
 *   group   GID                           repeated: supplementary groups (none without)
 *   readonlyroot 0|1                      remount "/" read-only once everything is mounted
 *   umask   MODE                          octal umask of the command (default 022)
 *   rlimit  NAME SOFT HARD                repeated: setrlimit (RLIMIT_NOFILE ...) before the user changes;
 *                                         18446744073709551615 is unlimited
 *
 * The OCI runtime mode (skiff-runc; c/oci.c):
 *
 *   namespace TYPE PATH                   repeated: TYPE pid|network|ipc|uts|mount|cgroup|user, PATH '' = a new
 *                                         one, else the namespace file to join. When any is given, exactly these
 *                                         are entered (mount new or joined, never the host's: the rootfs is
 *                                         built and pivot_root'ed in it); else mnt, uts, ipc, pid and net are
 *                                         new. user comes first: the helper enters it, then makes the rest in it.
 *                                         Also `skiff run --pid/--ipc` (host: left out; container:X: its path)
 *   uidmap  INSIDE OUTSIDE COUNT          repeated, with a new user namespace (and gidmap): its uid_map lines,
 *   gidmap  INSIDE OUTSIDE COUNT          written by a helper child that stays outside
 *   waitfifo PATH                         create mode: the helper makes the fifo, the init waits on it after
 *                                         setuid (before capabilities and seccomp) until a byte comes, and the
 *                                         helper exits 0 once the init waits ("pid N" on fd 4); the init is
 *                                         left to the caller's subreaper. stdio: the helper's own 0, 1, 2
 *   consolesocket PATH                    tty: the pty master is sent over this unix socket (SCM_RIGHTS); a
 *                                         symlink there is refused
 *   consolesize COLS ROWS                 tty: the pty's size before the command starts
 *   domainname NAME
 *   oomscore N                            /proc/self/oom_score_adj, -1000..1000
 *   rootpropagation FLAGS                 MS_PRIVATE|MS_SLAVE|MS_SHARED|MS_UNBINDABLE, maybe |MS_REC (decimal),
 *                                         from a word [r]private|[r]slave|[r]shared|[r]unbindable: the propagation
 *                                         of the container's "/" (OCI linux.rootfsPropagation). [r]slave: the
 *                                         namespace starts rslave instead of rprivate (host mounts propagate
 *                                         in, never out); then, after pivot_root, "/" gets WORD. shared is a
 *                                         peer group of the container's own: nothing propagates to the host
 *   sysctl  KEY VALUE                     a filesystem operation: writes /proc/sys/KEY (dots as slashes) in the
 *                                         container, in plan order (after /proc, before the read-only /proc/sys).
 *                                         Only keys of the container's own new namespaces: kernel.msgmax/msgmnb/
 *                                         msgmni/sem/shmall/shmmax/shmmni/shm_rmid_forced and fs.mqueue.* with a
 *                                         new IPC namespace, net.* with a new network one or a netns record's
 *                                         (c/sysctl.c refuses others, as runc does). Also `skiff run --sysctl`
 *   end
 *
 * The helper reads a left-out security record as the strictest choice: no cap and no allcaps keeps no
 * capability, no seccomp record means `seccomp filter` (with no syscall record: nothing is allowed), no user
 * means 0 0 with no supplementary group. encodePlan always writes cap/allcaps, nonewprivs and seccomp, so that
 * only the TypeScript side chooses.
 * The order in the container: make "/" rprivate, the filesystem records in plan order, pivot_root, hostname,
 * pty, cwd, readonlyroot, then [seccomp if nonewprivs 0], bounding set, groups/gid/uid, capset, no_new_privs,
 * [seccomp if nonewprivs 1], (the init forks,) execve.
 *
 * `skiff-helper exec` (ExecPlan): a command in a running container, joining its ipc, uts, net, pid and mnt
 * namespaces.
 *
 *   target  PID                           host pid of the container's init
 *   arg     VALUE                         repeated
 *   env     KEY=VALUE                     repeated: the whole environment (nothing is inherited)
 *   cwd     DIR                           inside the container; failing to enter it exits 126
 *   tty     0|1
 *   stdin   0|1
 *   user    UID GID                       optional: setgroups, setgid, setuid before exec (default 0 0)
 *   group   GID                           repeated: supplementary groups (none without)
 *   cgroup  PATH                          repeated: cgroup.procs files joined before exec
 *   detach  0|1                           exec -d: the helper exits 0 at once; a grandchild in a session of its
 *                                         own runs the command (output dropped) and reports on fd 4 / stderr.
 *                                         With passthrough: see below
 *   cap, allcaps, nonewprivs, seccomp,    as for run: send the container's own (an exec'd process gets no
 *   syscall, sysarg, umask, rlimit        more than the container); seccompcache as for run
 *   passthrough 0|1                       OCI exec: the helper's own 0, 1, 2 are the process's, not relayed
 *   detach  0|1                           with passthrough: exit once the command runs ("pid N" on fd 4); the
 *                                         process is left to the caller's subreaper (OCI exec --detach)
 *   consolesocket PATH, consolesize       as for run
 *   end
 *
 * The helper reads until "end" (the writer need not close fd 3). Unknown keywords are an error.
 *
 * Status fd: if the helper's fd 4 is open (a pipe), the helper writes `pid N\n` to it once the command has
 * been exec'd, then closes it. N is the host pid of the container's init (the init of --init, if used) or
 * of the exec'd process. With detach the helper exits 0 right after; the container runs on.
 *
 * Files of a detached container, written by the supervisor:
 *   log     records `<o|e> <unix-time-ns> <length>\n<length bytes>`, appended (parseLogRecords, c/log.c)
 *   status  one line `{"exitCode":N,"finishedAtMs":MS}` written in place over the blank file reserved before the start (status-file.ts)
 */

import { MOUNT_FLAG_WORDS, MountFlags } from '@skiff/plugin';
import {
  CAPABILITIES,
  DEFAULT_CAPABILITIES,
  type CapabilityName,
  type DeviceNode,
  type SeccompProfile,
  type UserSpec,
} from './security.js';
import { seccompSyscalls, type SeccompSyscall } from './seccomp-profile.js';

/** Longest detach sequence. Keep in sync with DETACH_KEYS_MAX in c/helper.h. */
export const DETACH_KEYS_MAX = 16;

/** Keyword → number of fields. Keep in sync with plan_records[] in c/plan.c (test/constants.test.ts checks). */
export const PLAN_RECORDS = {
  rootfs: 1,
  mount: 6,
  hostname: 1,
  cwd: 1,
  arg: 1,
  env: 1,
  tty: 1,
  stdin: 1,
  network: 1,
  netns: 2,
  cgroup: 1,
  init: 1,
  detach: 1,
  log: 1,
  logmax: 1,
  logkeep: 1,
  status: 1,
  exitcmd: 1,
  attach: 1,
  detachkeys: 1,
  restart: 3,
  health: 5,
  healthstate: 1,
  healthstartinterval: 1,
  cap: 1,
  capinh: 1,
  capamb: 1,
  allcaps: 1,
  nonewprivs: 1,
  seccomp: 1,
  syscall: 2,
  sysarg: 4,
  seccompdefault: 1,
  seccompcache: 1,
  user: 2,
  group: 1,
  readonlyroot: 1,
  umask: 1,
  rlimit: 3,
  namespace: 2,
  uidmap: 3,
  gidmap: 3,
  waitfifo: 1,
  consolesocket: 1,
  consolesize: 2,
  domainname: 1,
  oomscore: 1,
  rootpropagation: 1,
  sysctl: 2,
  device: 5,
  symlink: 2,
  readonly: 1,
  mask: 1,
  hostpath: 1,
  hostopts: 1,
  end: 0,
} as const;

/** Keyword → number of fields of `skiff-helper exec`. Keep in sync with exec_plan_records[] in c/plan.c. */
export const EXEC_PLAN_RECORDS = {
  target: 1,
  arg: 1,
  env: 1,
  cwd: 1,
  tty: 1,
  stdin: 1,
  user: 2,
  group: 1,
  cgroup: 1,
  detach: 1,
  cap: 1,
  capinh: 1,
  capamb: 1,
  allcaps: 1,
  nonewprivs: 1,
  seccomp: 1,
  syscall: 2,
  sysarg: 4,
  seccompdefault: 1,
  seccompcache: 1,
  umask: 1,
  rlimit: 3,
  passthrough: 1,
  consolesocket: 1,
  consolesize: 2,
  end: 0,
} as const;

/**
 * How `skiff-helper run` and `exec` exit, as docker does: otherwise the command's exit code, or 128+N when
 * signal N killed it (detached: 0 once the container runs). Each failure also prints one line on stderr
 * ("skiff: exec: \"x\": executable file not found in $PATH", "skiff: container process 42 is not running").
 * Keep in sync with EXIT_* in c/helper.h.
 */
export const HelperExitCode = {
  /** The helper or the container setup failed (bad plan, a mount failed, ...). */
  SETUP_FAILED: 125,
  /** The command exists but cannot run (permission denied, exec format error). */
  CANNOT_RUN: 126,
  /** The command was not found. */
  NOT_FOUND: 127,
} as const;

/** Words of a mount record's OPTIONS field. Keep in sync with mount_options[] in c/plan.c (test/constants.test.ts checks). */
export const MOUNT_OPTIONS = ['optional', 'recursive'] as const;

/** One mount(2) call of the plan; the helper's extras (MOUNT_OPTIONS) ride along as optional fields. */
export interface MountSyscall {
  source: string;
  /** '/' for the root filesystem, else an absolute path inside the container. */
  target: string;
  fstype: string;
  /** mount(2) flags. MS_BIND combined with MS_RDONLY etc. is done as bind + remount by the helper. */
  flags: number;
  data: string;
  /** Skip this mount when the kernel lacks the filesystem type (ENODEV), as for mqueue. */
  optional?: boolean;
  /** Bind only: MS_RDONLY, MS_NOSUID, MS_NODEV and MS_NOEXEC apply to every mount below the target too. */
  recursive?: boolean;
  /**
   * Bind mounts only: the source is a canonical host path, opened component by component without following
   * symlinks (a symlink found there fails the start) and mounted from that fd; `createMode` makes missing
   * directories with that mode. Encoded as a `hostpath MODE` record right after its mount.
   */
  hostPath?: { createMode?: number };
  /**
   * Filesystem mounts only: data options (`upperdir`, `workdir`) whose values are canonical host paths; the
   * helper opens each without following symlinks and passes /proc/self/fd/N. Encoded as `hostopts KEYS`.
   */
  hostPathOptions?: string[];
}

/**
 * One step of building the container's filesystem (see the wire format above). The helper carries them out
 * in order, and nothing else: the plan holds /proc, /dev and /sys like any volume.
 */
export type FilesystemOp =
  | ({ op: 'mount' } & MountSyscall)
  | ({ op: 'device' } & (DeviceNode | FifoNode))
  | { op: 'symlink'; path: string; to: string }
  | { op: 'readonly'; path: string }
  | { op: 'mask'; path: string }
  | { op: 'sysctl'; key: string; value: string };

/** A namespace of the OCI mode: a new one (no path) or the one at `path` joined. */
export interface NamespaceSpec {
  type: 'pid' | 'network' | 'ipc' | 'uts' | 'mount' | 'cgroup' | 'user';
  path?: string;
}

/** One line of a user namespace's uid_map or gid_map. */
export interface IdMapping {
  inside: number;
  outside: number;
  count: number;
}

/** setrlimit values; a limit of 2^64-1 (or any above Number.MAX_SAFE_INTEGER) is unlimited. */
export interface RlimitSpec {
  /** RLIMIT_NOFILE, ... */
  type: string;
  soft: number;
  hard: number;
}

export type NetworkMode = 'none' | 'host';

/**
 * What the command may do, for run and exec alike. Every field is optional; left out, it is docker's
 * default for an unprivileged container (the encoder writes it into the plan). `--privileged` is
 * `{ capabilities: 'all', seccomp: 'unconfined' }`, and a filesystem without masks or read-only paths.
 */
export interface SecurityOptions {
  /** Capabilities to keep, or 'all'. Default DEFAULT_CAPABILITIES. A non-root user ends with none in effect. */
  capabilities?: readonly CapabilityName[] | 'all';
  /** The inheritable set (OCI process.capabilities.inheritable): within `capabilities`. Default none. */
  inheritable?: readonly CapabilityName[];
  /** The ambient set: within `inheritable`; what a non-root user holds after execve. Default none. */
  ambient?: readonly CapabilityName[];
  /** no_new_privs: no execve can grant privileges (setuid bits, file capabilities). Default false. */
  noNewPrivileges?: boolean;
  /** Default 'default': docker's default profile (SECCOMP_PROFILE) for these capabilities. */
  seccomp?: SeccompProfile;
  /** A directory the helper keeps built seccomp filters in (the `seccompcache` record); none: built every time. */
  seccompCache?: string;
  /** Default root, 0:0, with no supplementary group. */
  user?: UserSpec;
  /** The command's umask; default 0o022. */
  umask?: number;
  /** Resource limits set before the user changes. */
  rlimits?: readonly RlimitSpec[];
}

export interface LaunchPlan extends SecurityOptions {
  /** Host directory the rootfs ('/' mount) is mounted on, inside the container's own mount namespace. */
  rootfs: string;
  /**
   * The container's filesystem, built in this order: first the mount with target '/', then mounts, device
   * nodes, symlinks, read-only paths and masks, each resolved inside the new root. containerFilesystem()
   * (defaults.ts) writes docker's.
   */
  filesystem: FilesystemOp[];
  hostname: string;
  cwd: string;
  args: string[];
  env: string[];
  tty: boolean;
  stdin: boolean;
  network: NetworkMode;
  /** A network namespace (a file: /run/netns/NAME, /proc/PID/ns/net) to join instead of a new one; network 'none'. */
  netns?: string;
  /** `netns` is a name made for this start (/run/netns/NAME): the helper removes it once it holds the namespace. */
  netnsDrop?: boolean;
  /** Files the container's init writes `0` into, joining its cgroups itself, before it execs (CgroupManager.joinFiles). */
  cgroupProcs: string[];
  /** PID 1 is the helper's tiny init, which forwards signals to the command and reaps zombies (--init). */
  init?: boolean;
  /** Run under a supervisor that outlives the caller; the helper exits 0 once the command runs. */
  detach?: boolean;
  /** The log file (records of parseLogRecords), attached or detached. Without it the output is not kept. */
  log?: string;
  /** Rotate the log once it exceeds this many bytes (0 or unset: never). */
  logMaxBytes?: number;
  /** Rotated files kept (log.1 .. log.N); default 1. With 0 a rotation deletes the log and starts afresh. */
  logKeep?: number;
  /** Detached: where the exit status goes (readStatusFile). */
  statusFile?: string;
  /** Detached: argv (absolute argv[0]) exec'd by the supervisor after the container exited and the status is written. */
  exitCommand?: string[];
  /** Detached: path of the attach socket the supervisor serves (attach-frames.ts). */
  attachSocket?: string;
  /**
   * Attached with a tty: the sequence (at most DETACH_KEYS_MAX bytes) that, typed on the terminal, leaves the
   * container running under the helper, which becomes its supervisor (statusFile, exitCommand, attachSocket apply).
   */
  detachKeys?: Uint8Array;
  /** Detached: health checks run by the supervisor (c/health.c). */
  health?: { planFile: string; stateFile: string; intervalMs: number; timeoutMs: number; startPeriodMs: number; startIntervalMs?: number; retries: number };
  /** --restart, carried out by the init (so `init` must be set): c/restart.c. */
  restart?: { mode: 'no' | 'on-failure' | 'always'; maxRetries: number; stopSignal: number };
  /** --read-only: "/" read-only once everything is mounted (volumes and tmpfs mounts of the plan stay writable). */
  readonlyRoot?: boolean;
  /** OCI mode: exactly these namespaces (default: new mnt, uts, ipc, pid, and net unless `network` is host). */
  namespaces?: readonly NamespaceSpec[];
  /** With a new user namespace: its uid and gid maps (both required). */
  uidMappings?: readonly IdMapping[];
  gidMappings?: readonly IdMapping[];
  /** OCI create: the fifo the init waits on before its command; stdio handed in; the helper exits once it waits. */
  waitFifo?: string;
  /** OCI: with tty, the unix socket the pty master is sent to. */
  consoleSocket?: string;
  /** OCI: with tty, the pty's first size. */
  consoleSize?: { cols: number; rows: number };
  domainname?: string;
  /** /proc/self/oom_score_adj of the init, -1000..1000. */
  oomScoreAdj?: number;
  /** OCI linux.rootfsPropagation (see the `rootpropagation` record). */
  rootPropagation?: 'private' | 'rprivate' | 'slave' | 'rslave' | 'shared' | 'rshared' | 'unbindable' | 'runbindable';
}

/** A command to run in a running container (`skiff exec`). Pass the container's capabilities, seccomp and no_new_privs. */
export interface ExecPlan extends SecurityOptions {
  /** Host pid of the container's init. */
  target: number;
  args: string[];
  /** The whole environment of the command. */
  env: string[];
  /** Absolute, inside the container. */
  cwd: string;
  tty: boolean;
  stdin: boolean;
  /** Files the process writes `0` into, joining the container's cgroups itself, before it execs (CgroupManager.joinFiles). */
  cgroupProcs: string[];
  /**
   * exec -d: the helper exits 0 at once; `pid N` still comes on fd 4 (or one error line on stderr). No tty, no stdin.
   * With passthrough (OCI exec --detach): the helper exits once the command runs, left to the caller's subreaper.
   */
  detach?: boolean;
  /** OCI exec: the helper's stdio is the process's own. */
  passthrough?: boolean;
  /** OCI exec with tty: where the pty master goes. */
  consoleSocket?: string;
  consoleSize?: { cols: number; rows: number };
}

/** A fifo the container gets (OCI linux.devices type p): a `device` record of type p, major and minor 0. */
export interface FifoNode {
  path: string;
  type: 'p';
  major: 0;
  minor: 0;
  mode: number;
}

/** mount(2) flags (<sys/mount.h>): the contract package owns them; re-exported for the helper's users. */
export { MountFlags };

function field(value: string, what: string): string {
  if (value.includes('\0')) throw new Error(`${what} contains a NUL byte`);
  return `${value}\0`;
}

function integer(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what} must be a non-negative integer, not ${value}`);
  return String(value);
}

type RecordWriter = (keyword: string, ...fields: string[]) => void;

function encoder(): { record: RecordWriter; done: () => Buffer } {
  const parts: string[] = [];
  return {
    record: (keyword, ...fields) => {
      parts.push(`${keyword}\0`);
      for (const value of fields) parts.push(field(value, keyword));
    },
    done: () => Buffer.from(parts.join(''), 'utf8'),
  };
}

function encodeSecurity(record: RecordWriter, options: SecurityOptions): void {
  const capabilities = options.capabilities ?? DEFAULT_CAPABILITIES;
  if (capabilities === 'all') record('allcaps', '1');
  else {
    for (const name of capabilities) {
      if (!Object.hasOwn(CAPABILITIES, name)) throw new Error(`unknown capability ${name}`);
      record('cap', name);
    }
  }
  const within = (names: readonly CapabilityName[], set: readonly CapabilityName[] | 'all', what: string, of: string) => {
    for (const name of names) if (!Object.hasOwn(CAPABILITIES, name) || (set !== 'all' && !set.includes(name))) throw new Error(`${what} capability ${name} is not in the ${of} set`);
  };
  within(options.inheritable ?? [], capabilities, 'inheritable', 'kept');
  within(options.ambient ?? [], options.inheritable ?? [], 'ambient', 'inheritable');
  for (const name of options.inheritable ?? []) record('capinh', name);
  for (const name of options.ambient ?? []) record('capamb', name);
  record('nonewprivs', options.noNewPrivileges ? '1' : '0');
  const seccomp = options.seccomp ?? 'default';
  if (seccomp === 'unconfined') record('seccomp', 'unconfined');
  else if (seccomp === 'default') {
    record('seccomp', 'filter');
    encodeSyscalls(record, seccompSyscalls(capabilities));
  } else if (typeof seccomp === 'object' && Array.isArray(seccomp.syscalls)) {
    record('seccomp', 'filter');
    if (seccomp.defaultAction) record('seccompdefault', seccomp.defaultAction);
    encodeSyscalls(record, seccomp.syscalls);
  } else throw new Error(`unknown seccomp profile ${JSON.stringify(seccomp)}: default or unconfined`);
  if (seccomp !== 'unconfined' && options.seccompCache !== undefined) record('seccompcache', absolute(options.seccompCache, 'seccompCache'));
  if (options.user) {
    record('user', integer(options.user.uid, 'uid'), integer(options.user.gid, 'gid'));
    for (const gid of options.user.groups ?? []) record('group', integer(gid, 'group'));
  }
  if (options.umask !== undefined) {
    if (!Number.isInteger(options.umask) || options.umask < 0 || options.umask > 0o777) throw new Error(`bad umask ${options.umask}`);
    record('umask', options.umask.toString(8));
  }
  for (const limit of options.rlimits ?? []) {
    if (!/^RLIMIT_[A-Z]+$/.test(limit.type)) throw new Error(`bad rlimit ${JSON.stringify(limit.type)}`);
    record('rlimit', limit.type, rlimitValue(limit.soft), rlimitValue(limit.hard));
  }
}

const RLIM_INFINITY = '18446744073709551615';
const rlimitValue = (value: number): string =>
  value > Number.MAX_SAFE_INTEGER ? RLIM_INFINITY : integer(value, 'rlimit');

function encodeSyscalls(record: RecordWriter, syscalls: readonly SeccompSyscall[]): void {
  for (const call of syscalls) {
    record('syscall', call.name, call.action);
    for (const arg of call.args) {
      const value = (n: number) => integer(n, `seccomp ${call.name} argument value`);
      record('sysarg', integer(arg.index, 'sysarg index'), arg.op, value(arg.value), value(arg.valueTwo ?? 0));
    }
  }
}

function absolute(path: string, what: string): string {
  if (!path.startsWith('/')) throw new Error(`${what} path must be absolute, not ${path}`);
  return path;
}

const RECURSIVE_FLAGS = MountFlags.MS_RDONLY | MountFlags.MS_NOSUID | MountFlags.MS_NODEV | MountFlags.MS_NOEXEC;

function encodeMount(record: RecordWriter, mount: MountSyscall): void {
  const flags = mount.flags >>> 0;
  if (mount.recursive) {
    const extra = flags & ~(MountFlags.MS_BIND | MountFlags.MS_REC | RECURSIVE_FLAGS);
    if (!(flags & MountFlags.MS_BIND) || extra) throw new Error(`recursive mount on ${mount.target} must be a bind with only ro, nosuid, nodev, noexec`);
  }
  const options = MOUNT_OPTIONS.filter((word) => mount[word]).join(',');
  record('mount', mount.source, mount.target, mount.fstype, String(flags), mount.data, options);
  if (mount.hostPath) record('hostpath', mount.hostPath.createMode === undefined ? '-' : fileMode(mount.hostPath.createMode));
  if (mount.hostPathOptions?.length) record('hostopts', optionKeys(mount.hostPathOptions));
}

function encodeDevice(record: RecordWriter, device: DeviceNode | FifoNode): void {
  absolute(device.path, 'device');
  if (device.type !== 'c' && device.type !== 'b' && device.type !== 'p') throw new Error(`device type must be c, b or p, not ${String(device.type)}`);
  if (!Number.isInteger(device.mode) || device.mode < 0 || device.mode > 0o7777) throw new Error(`bad device mode ${device.mode}`);
  const major = integer(device.major, 'device major');
  const minor = integer(device.minor, 'device minor');
  record('device', device.path, device.type, major, minor, device.mode.toString(8));
}

function optionKeys(keys: string[]): string {
  for (const key of keys) if (!/^[a-z][a-z0-9_]*$/.test(key)) throw new Error(`bad host path option name ${JSON.stringify(key)}`);
  return keys.join(',');
}

function fileMode(mode: number): string {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new Error(`bad host path mode ${mode}`);
  return mode.toString(8);
}

/** Encodes a plan in the helper's wire format. Throws on a string that contains NUL. */
export function encodePlan(plan: LaunchPlan): Buffer {
  const { record, done } = encoder();
  record('rootfs', plan.rootfs);
  const [root] = plan.filesystem;
  if (root?.op !== 'mount' || root.target !== '/') throw new Error("the plan's filesystem must start with the mount of '/'");
  for (const step of plan.filesystem) {
    if (step.op === 'mount') encodeMount(record, step);
    else if (step.op === 'device') encodeDevice(record, step);
    else if (step.op === 'symlink') record('symlink', absolute(step.path, 'symlink'), step.to);
    else if (step.op === 'sysctl') record('sysctl', step.key, step.value);
    else record(step.op, absolute(step.path, step.op));
  }
  record('hostname', plan.hostname);
  record('cwd', plan.cwd);
  for (const arg of plan.args) record('arg', arg);
  for (const entry of plan.env) record('env', entry);
  record('tty', plan.tty ? '1' : '0');
  record('stdin', plan.stdin ? '1' : '0');
  record('network', plan.network);
  if (plan.netns !== undefined) record('netns', absolute(plan.netns, 'netns'), plan.netnsDrop ? '1' : '0');
  for (const file of plan.cgroupProcs) record('cgroup', file);
  if (plan.init) record('init', '1');
  if (plan.restart && plan.restart.mode !== 'no') {
    if (!plan.init) throw new Error('restart needs init');
    record('restart', plan.restart.mode, integer(plan.restart.maxRetries, 'maxRetries'), integer(plan.restart.stopSignal, 'stopSignal'));
  }
  if (plan.detach) record('detach', '1');
  // Attached runs keep a log too (`skiff logs`).
  if (plan.log !== undefined) record('log', plan.log);
  if (plan.logMaxBytes !== undefined) record('logmax', integer(plan.logMaxBytes, 'logMaxBytes'));
  if (plan.logKeep !== undefined) record('logkeep', integer(plan.logKeep, 'logKeep'));
  if (plan.detachKeys?.length) {
    if (plan.detachKeys.length > DETACH_KEYS_MAX) throw new Error(`detachKeys: at most ${DETACH_KEYS_MAX} bytes`);
    record('detachkeys', Buffer.from(plan.detachKeys).toString('hex'));
  }
  if (plan.detach || plan.detachKeys?.length) {
    if (plan.statusFile !== undefined) record('status', plan.statusFile);
    for (const arg of plan.exitCommand ?? []) record('exitcmd', arg);
    if (plan.attachSocket !== undefined) record('attach', absolute(plan.attachSocket, 'attach'));
    if (plan.health) {
      const h = plan.health;
      const ms = (value: number, what: string) => integer(value, what);
      record('health', absolute(h.planFile, 'health'), ms(h.intervalMs, 'intervalMs'), ms(h.timeoutMs, 'timeoutMs'), ms(h.startPeriodMs, 'startPeriodMs'), ms(h.retries, 'retries'));
      record('healthstate', absolute(h.stateFile, 'healthstate'));
      if (h.startIntervalMs) record('healthstartinterval', ms(h.startIntervalMs, 'startIntervalMs'));
    }
  }
  encodeSecurity(record, plan);
  if (plan.readonlyRoot) record('readonlyroot', '1');
  for (const ns of plan.namespaces ?? []) record('namespace', ns.type, ns.path === undefined ? '' : absolute(ns.path, 'namespace'));
  for (const [keyword, maps] of [['uidmap', plan.uidMappings], ['gidmap', plan.gidMappings]] as const) {
    for (const map of maps ?? []) record(keyword, integer(map.inside, keyword), integer(map.outside, keyword), integer(map.count, keyword));
  }
  if (plan.waitFifo !== undefined) record('waitfifo', absolute(plan.waitFifo, 'waitfifo'));
  if (plan.consoleSocket !== undefined) record('consolesocket', plan.consoleSocket);
  if (plan.consoleSize) record('consolesize', integer(plan.consoleSize.cols, 'console width'), integer(plan.consoleSize.rows, 'console height'));
  if (plan.domainname !== undefined) record('domainname', plan.domainname);
  if (plan.oomScoreAdj !== undefined) record('oomscore', String(plan.oomScoreAdj));
  if (plan.rootPropagation !== undefined) {
    const word = Object.hasOwn(MOUNT_FLAG_WORDS, plan.rootPropagation) ? MOUNT_FLAG_WORDS[plan.rootPropagation] : undefined;
    if (!word) throw new Error(`unknown root propagation ${plan.rootPropagation}`);
    record('rootpropagation', String(word[0]));
  }
  record('end');
  return done();
}

/** Encodes an exec plan for `skiff-helper exec`. Throws on a string that contains NUL. */
export function encodeExecPlan(plan: ExecPlan): Buffer {
  const { record, done } = encoder();
  // 0: no target record (a health check's plan: the supervisor puts the target before it, c/health.c)
  if (plan.target !== 0) record('target', integer(plan.target, 'target'));
  for (const arg of plan.args) record('arg', arg);
  for (const entry of plan.env) record('env', entry);
  record('cwd', plan.cwd);
  record('tty', plan.tty ? '1' : '0');
  record('stdin', plan.stdin ? '1' : '0');
  for (const file of plan.cgroupProcs) record('cgroup', file);
  encodeSecurity(record, plan);
  if (plan.passthrough) record('passthrough', '1');
  if (plan.detach) record('detach', '1');
  if (plan.consoleSocket !== undefined) record('consolesocket', plan.consoleSocket);
  if (plan.consoleSize) record('consolesize', integer(plan.consoleSize.cols, 'console width'), integer(plan.consoleSize.rows, 'console height'));
  record('end');
  return done();
}

/**
 * The launch plan: everything the native helper needs to start one container, decided and validated in
 * TypeScript. The helper never parses flags or looks at images; it only carries the plan out.
 *
 * Wire format (keep in sync with c/plan.c): the plan travels on the helper's fd 3 as a sequence of
 * NUL-terminated byte strings. Each record starts with a keyword followed by a fixed number of fields;
 * the plan ends with the keyword "end". Strings are passed exactly as given (argv and env can hold spaces,
 * quotes and newlines; they cannot hold NUL, which the encoder rejects).
 *
 *   rootfs  PATH                          host directory the '/' mount is mounted on
 *   mount   SOURCE TARGET FSTYPE FLAGS DATA   FLAGS decimal mount(2) flags; TARGET '/' or absolute in-container
 *   hostname NAME
 *   cwd     DIR
 *   arg     VALUE                         repeated, argv in order
 *   env     KEY=VALUE                     repeated
 *   tty     0|1
 *   stdin   0|1                           keep stdin attached (-i)
 *   network none|host
 *   cgroup  PATH                          repeated: a cgroup.procs file the init's pid is written to before exec
 *   end
 *
 * The helper reads until "end" (the writer need not close fd 3). Unknown keywords are an error.
 */

/** Keyword → number of fields. Keep in sync with plan_records[] in c/plan.c (test/constants.test.ts checks). */
export const PLAN_RECORDS = {
  rootfs: 1,
  mount: 5,
  hostname: 1,
  cwd: 1,
  arg: 1,
  env: 1,
  tty: 1,
  stdin: 1,
  network: 1,
  cgroup: 1,
  end: 0,
} as const;

/**
 * How `skiff-helper run` exits, as docker does: otherwise the container's exit code, or 128+N when signal N
 * killed it. Each failure also prints one line on stderr ("skiff: exec: \"x\": executable file not found in
 * $PATH"). Keep in sync with EXIT_* in c/helper.h.
 */
export const HelperExitCode = {
  /** The helper or the container setup failed (bad plan, a mount failed, ...). */
  SETUP_FAILED: 125,
  /** The command exists but cannot run (permission denied, exec format error). */
  CANNOT_RUN: 126,
  /** The command was not found. */
  NOT_FOUND: 127,
} as const;

export interface MountSyscall {
  source: string;
  /** '/' for the root filesystem, else an absolute path inside the container. */
  target: string;
  fstype: string;
  /** mount(2) flags. MS_BIND combined with MS_RDONLY etc. is done as bind + remount by the helper. */
  flags: number;
  data: string;
}

export type NetworkMode = 'none' | 'host';

export interface LaunchPlan {
  /** Host directory the rootfs ('/' mount) is mounted on, inside the container's own mount namespace. */
  rootfs: string;
  /** The first mount has target '/'. The rest are performed in order, resolved inside the new root. */
  mounts: MountSyscall[];
  hostname: string;
  cwd: string;
  args: string[];
  env: string[];
  tty: boolean;
  stdin: boolean;
  network: NetworkMode;
  /** cgroup.procs files the container's init joins before it execs the command. */
  cgroupProcs: string[];
}

/** mount(2) flags from <sys/mount.h>. Keep in sync with the kernel ABI (they never change; test/constants.test.ts checks). */
export const MountFlags = {
  MS_RDONLY: 0x1,
  MS_NOSUID: 0x2,
  MS_NODEV: 0x4,
  MS_NOEXEC: 0x8,
  MS_REMOUNT: 0x20,
  MS_NOATIME: 0x400,
  MS_NODIRATIME: 0x800,
  MS_BIND: 0x1000,
  MS_REC: 0x4000,
  MS_PRIVATE: 0x40000,
  MS_SLAVE: 0x80000,
  MS_SHARED: 0x100000,
  MS_RELATIME: 0x200000,
  MS_STRICTATIME: 0x1000000,
} as const;

function field(value: string, what: string): string {
  if (value.includes('\0')) throw new Error(`${what} contains a NUL byte`);
  return `${value}\0`;
}

/** Encodes a plan in the helper's wire format. Throws on a string that contains NUL. */
export function encodePlan(plan: LaunchPlan): Buffer {
  const parts: string[] = [];
  const record = (keyword: string, ...fields: string[]) => {
    parts.push(`${keyword}\0`);
    for (const value of fields) parts.push(field(value, keyword));
  };
  record('rootfs', plan.rootfs);
  for (const m of plan.mounts) record('mount', m.source, m.target, m.fstype, String(m.flags >>> 0), m.data);
  record('hostname', plan.hostname);
  record('cwd', plan.cwd);
  for (const arg of plan.args) record('arg', arg);
  for (const entry of plan.env) record('env', entry);
  record('tty', plan.tty ? '1' : '0');
  record('stdin', plan.stdin ? '1' : '0');
  record('network', plan.network);
  for (const file of plan.cgroupProcs) record('cgroup', file);
  record('end');
  return Buffer.from(parts.join(''), 'utf8');
}

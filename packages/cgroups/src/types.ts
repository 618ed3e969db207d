/**
 * The cgroup contract, after opencontainers/cgroups `cgroups.go`: one `CgroupManager` per container, one
 * version-neutral `Resources` type that each implementation converts itself.
 */

export type CgroupVersion = 'v1' | 'v2';

/**
 * Limits for one container, in docker's units. A field left undefined is not touched by `set`.
 * Unlimited is -1 everywhere it is allowed.
 */
export interface Resources {
  /**
   * Real-time CPU time in µs the cgroup's SCHED_FIFO/RR tasks may use per `cpuRtPeriod` (docker `--cpu-rt-runtime`,
   * `--cpu-rt-period`). v1 with CONFIG_RT_GROUP_SCHED only; every parent level is raised to at least this budget
   * (a child's may not exceed its parent's), and keeps it.
   */
  cpuRtRuntime?: number;
  cpuRtPeriod?: number;
  /** Memory limit in bytes (docker `--memory`); -1 for unlimited. */
  memory?: number;
  /**
   * Total of memory plus swap in bytes (docker `--memory-swap`); -1 for unlimited swap. Equal to `memory`
   * means no swap at all. v1 writes it to memory.memsw.limit_in_bytes; v2 writes the difference
   * (memorySwap - memory) to memory.swap.max.
   */
  memorySwap?: number;
  /** CPU time in microseconds the cgroup may use per `cpuPeriod` (docker `--cpus` × period); -1 for unlimited. */
  cpuQuota?: number;
  /** CFS period in microseconds (docker uses 100000). */
  cpuPeriod?: number;
  /** Relative CPU weight, 2..262144, 1024 the default (docker `--cpu-shares`). v2 converts it to cpu.weight. */
  cpuShares?: number;
  /** CPUs the container may run on, kernel list format ("0-1,3"). */
  cpusetCpus?: string;
  /** Memory nodes the container may allocate from, kernel list format. */
  cpusetMems?: string;
  /** Maximum number of tasks (processes and threads); -1 (or 0) for unlimited. */
  pidsLimit?: number;
  /**
   * Which device nodes the container may open: exactly the `allow` rules (devices.allow lines such as
   * "c 1:3 rwm"; DEFAULT_DEVICE_RULES is docker's default, plus one `deviceRule` per --device), or every
   * device ('unrestricted', --privileged). v1 only: v2 filters devices with an eBPF program, which skiff does
   * not install; there `set` applies nothing and warns.
   */
  devices?: DeviceRules;
  /**
   * docker --oom-kill-disable: a task over the memory limit waits instead of being killed. v1 only
   * (memory.oom_control); v2 has no such switch, there `set` warns and applies nothing.
   */
  oomKillDisable?: boolean;
  /** Soft memory limit in bytes (docker `--memory-reservation`): v1 memory.soft_limit_in_bytes, v2 memory.low. */
  memoryReservation?: number;
  /** 0..100, how eagerly the kernel swaps the cgroup's anonymous pages (docker `--memory-swappiness`). v1 only. */
  memorySwappiness?: number;
  /**
   * Block I/O (docker `--blkio-weight`, `--blkio-weight-device`, `--device-{read,write}-{bps,iops}`). Weights
   * are 10..1000; throttles are per device, bytes or operations per second. v1 blkio, v2 io.
   */
  blkio?: BlkioResources;
}

/** A block device by its numbers and a value for it (a weight or a rate). */
export interface BlkioDeviceValue {
  /** The device as the user named it (what inspect shows); the numbers are what is written. */
  path?: string;
  major: number;
  minor: number;
  value: number;
}

export interface BlkioResources {
  weight?: number;
  weightDevice?: BlkioDeviceValue[];
  readBps?: BlkioDeviceValue[];
  writeBps?: BlkioDeviceValue[];
  readIops?: BlkioDeviceValue[];
  writeIops?: BlkioDeviceValue[];
}

export type DeviceRules = { allow: readonly string[] } | 'unrestricted';

export interface MemoryStats {
  /** Bytes in use now (v1 memory.usage_in_bytes, v2 memory.current). */
  usage: number;
  /** Highest usage seen (v1 memory.max_usage_in_bytes, v2 memory.peak); null when the kernel does not report it. */
  maxUsage: number | null;
  /** The memory limit in bytes; null when unlimited. */
  limit: number | null;
  /** Whether the kernel accounts swap for this cgroup (v1 memory.memsw.*, v2 memory.swap.max). */
  swapAccounting: boolean;
  /** v1: the memory+swap limit; v2: the swap-only limit (memory.swap.max). null when unlimited or not accounted. */
  swapLimit: number | null;
  /** How many processes the kernel's OOM killer killed in this cgroup. */
  oomKills: number;
  /** v1 only: how many times usage hit the limit (memory.failcnt); null on v2. */
  failCount: number | null;
}

export interface CgroupStats {
  /** null when the memory controller is not available to this cgroup. */
  memory: MemoryStats | null;
  /** Total CPU time consumed, in nanoseconds; null when not available. */
  cpu: { usageNs: number } | null;
  /** null when the pids controller is not available. */
  pids: { current: number; limit: number | null } | null;
  /** Why something is missing or less strict than asked (for example no swap accounting). */
  warnings: string[];
}

export interface SetResult {
  /** Limits that could not be applied as strictly as asked, one sentence each (e.g. no swap accounting). */
  warnings: string[];
}

/**
 * One container's cgroup. Every method may be called in any state; methods that need the cgroup to exist say
 * what they do when it does not. Paths are created only by `create`, `apply` and `set`.
 */
export interface CgroupManager {
  /** Contract version; bumped on incompatible changes. */
  readonly specificationVersion: 'v1';
  /** Which cgroup hierarchy this manager drives. */
  readonly cgroupVersion: CgroupVersion;
  /** The container's cgroup name (the last path component). */
  readonly name: string;

  /**
   * Create the cgroup (in every hierarchy on v1) if it does not exist yet, preparing each level so that a
   * process can join it: v1 copies cpuset.cpus/mems down from the parent, v2 enables controllers in each
   * parent's cgroup.subtree_control. Idempotent.
   */
  create(): Promise<void>;

  /**
   * Create the cgroup if needed and move process `pid` into it (into each hierarchy's cgroup.procs on v1).
   * `-1` only creates, as in runc. Refuses to move the calling process: the CLI itself is never moved.
   */
  apply(pid: number): Promise<void>;

  /**
   * Write `resources` (creating the cgroup if needed). Fields left undefined are not touched. Throws
   * NOT_SUPPORTED when a limit needs a controller this cgroup does not have, INVALID_ARGUMENT when the kernel
   * rejects a value. Resolves with warnings for limits applied less strictly than asked.
   */
  set(resources: Resources): Promise<SetResult>;

  /** Pids of every process in the cgroup and its descendants, ascending; [] when the cgroup does not exist. */
  getPids(): Promise<number[]>;

  /** Freeze every process in the cgroup; resolves once the kernel reports the cgroup frozen. */
  freeze(): Promise<void>;

  /** Undo `freeze`; resolves once the kernel reports the cgroup thawed. */
  thaw(): Promise<void>;

  /** Usage and limits; sections the host cannot report are null, with a warning saying why. */
  stats(): Promise<CgroupStats>;

  /** Whether the kernel's OOM killer has killed a process in this cgroup. False when the cgroup is gone. */
  oomKilled(): Promise<boolean>;

  /**
   * SIGKILL every process in the cgroup and its descendants and resolve once none is left. v2 writes
   * cgroup.kill; v1 freezes, signals every pid, thaws. Resolves at once when the cgroup is empty or gone.
   */
  killAll(): Promise<void>;

  /**
   * Remove the cgroup (every hierarchy, descendants first). Kills stray processes first. Resolves when already
   * destroyed; safe to call twice. Never removes the parent (other containers share it).
   */
  destroy(): Promise<void>;

  /** Controller name → the cgroup's directory (v1: one per controller, co-mounted ones share; v2: `unified`). */
  paths(): Record<string, string>;

  /**
   * The cgroup.procs files a process must be written into to join this cgroup, one per distinct hierarchy.
   * The native helper writes the container init's pid into these before the init execs, so it never runs
   * unconstrained. Call after `create` or `set`; this method only computes paths.
   */
  procsFiles(): string[];

  /**
   * The files a single-threaded process writes `0` into to join this cgroup itself, one per distinct hierarchy:
   * v1 each hierarchy's `tasks` (a thread moving itself skips the kernel's global threadgroup lock, whose write
   * side waits an RCU grace period per file), v2 `cgroup.procs`. The native helper's child joins through these
   * before it execs. Like procsFiles, this only computes paths.
   */
  joinFiles(): string[];
}

/** Timing knobs; the defaults suit a real kernel, tests shorten them. */
export interface CgroupTimeouts {
  /** How long freeze/thaw may take before giving up (ms). Default 5000. */
  freezeMs?: number;
  /** How long killAll waits for the cgroup to empty after SIGKILL (ms). Default 10000. */
  emptyMs?: number;
  /** How long destroy retries rmdir while the kernel still reports EBUSY (ms). Default 5000. */
  removeMs?: number;
}

/** Sends a signal; `process.kill` by default. Injected by unit tests so that fake pids are never signalled. */
export type KillFunction = (pid: number, signal: NodeJS.Signals) => void;

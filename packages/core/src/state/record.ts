import type { Mount, VolumeSpec } from '@skiff/plugin';
import type { Resources } from '@skiff/cgroups';
import type { CapabilityName, DeviceNode } from '@skiff/native';
import type { NetworkingConfig } from '../lifecycle/network.js';

/** Where a container is in its lifecycle (lifecycle/states.ts holds the transition table). */
export type ContainerStatus = 'created' | 'running' | 'stopped';

/** The container's isolation, resolved once at create time and used by every start and exec. */
export interface SecurityConfig {
  privileged: boolean;
  capabilities: CapabilityName[] | 'all';
  noNewPrivileges: boolean;
  seccomp: 'default' | 'unconfined';
  readOnlyRoot: boolean;
  tmpfs: Mount[];
  /** `groups`: supplementary groups (--group-add); none when absent. */
  user?: { uid: number; gid: number; groups?: number[] } | undefined;
  devices: (DeviceNode & { permissions: string })[];
}

/** docker's Config.Healthcheck (times in ms; absent: docker's defaults). */
export interface Healthcheck {
  /** ["CMD", arg...], ["CMD-SHELL", command] or ["NONE"] */
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  startPeriodMs?: number;
  /** Time between checks during the start period (docker's StartInterval; absent: `intervalMs`). */
  startIntervalMs?: number;
  retries?: number;
}

/** docker's --ulimit NAME=SOFT[:HARD]; -1 is unlimited. */
export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

/** docker's HostConfig.RestartPolicy. */
export interface RestartPolicy {
  name: 'no' | 'on-failure' | 'always' | 'unless-stopped';
  /** on-failure only: at most this many restarts (0: no limit). */
  maximumRetryCount: number;
}

/** What the container was asked to be: fixed at create time. */
export interface ContainerConfig {
  image: string;
  /** Image layer directories, top-most first, as they were when the container was created. */
  layers: string[];
  args: string[];
  /** The process's environment: the image's, what docker adds (HOSTNAME, HOME, TERM with -t), then -e. */
  env: string[];
  /** docker's Config.Env: the image's and -e only (what docker adds is the process's alone). Older records lack it. */
  configEnv?: string[];
  workdir: string;
  hostname: string;
  tty: boolean;
  interactive: boolean;
  /**
   * docker's Config.AttachStdin/AttachStdout/AttachStderr: the streams -a named (stdout and stderr without -a;
   * stdin too with -i; none for run -d). Older records lack it.
   */
  attach?: ('stdin' | 'stdout' | 'stderr')[];
  /** none, host, container:<id>, bridge, or a user network's name. */
  network: string;
  /** Ports, aliases, DNS and extra hosts; absent in records made before networking (none or host then). */
  networking?: NetworkingConfig;
  storageDriver: string;
  /**
   * `volume` is set for a named or anonymous volume (then `source` is its name): a container record holding
   * it is what makes the volume "in use" (volume rm refuses), and `rm -v`/`--rm` remove the anonymous ones.
   */
  volumes: (VolumeSpec & { driver: string; volume?: { name: string; anonymous: boolean } })[];
  autoRemove: boolean;
  /** cgroup limits, applied each time the container starts. */
  resources: Resources;
  /** Where the container's cgroup lives below each hierarchy root: <parent>/<id>. */
  cgroupParent: string;
  /** PID 1 is skiff's minimal init, which forwards signals and reaps zombies (`--init`). */
  init: boolean;
  /** Log rotation of detached containers. */
  logMaxBytes: number;
  logKeep: number;
  /** Capabilities, seccomp, user, read-only root, tmpfs mounts, devices: for every start and exec. */
  security: SecurityConfig;
  /** --pid / --ipc: the host's namespace or another container's ('container:ID'); absent: its own. */
  pidMode?: 'host' | `container:${string}`;
  ipcMode?: 'host' | `container:${string}`;
  /** --sysctl (namespaced keys only), --ulimit, --shm-size (bytes). */
  sysctls?: Record<string, string>;
  ulimits?: Ulimit[];
  shmSizeBytes?: number;
  /** --health-*: checked by the detached container's supervisor (native c/health.c). */
  healthcheck?: Healthcheck;
  /** --restart, carried out by the container's init (native c/restart.c); absent: no. */
  restartPolicy?: RestartPolicy;
  /** The image's StopSignal or `--stop-signal`: what `stop` sends before SIGKILL (SIGTERM when absent). */
  stopSignal?: NodeJS.Signals;
  /** `--stop-timeout`: seconds `stop` waits before SIGKILL when it is given none (10 when absent). */
  stopTimeout?: number;
  /** `--label`/`--label-file`, merged over the image's labels (absent in records made before labels existed). */
  labels?: Record<string, string>;
  /** --uts host: the host's UTS namespace (`hostname` is then the host's name, never set by the helper). */
  utsMode?: 'host';
  /** --cgroupns as given; 'private': a cgroup namespace of its own. Absent or 'host': the host's (v1 default). */
  cgroupnsMode?: 'private' | 'host';
  /** --domainname, set in the container's own UTS namespace. */
  domainname?: string;
  /** --oom-score-adj, written by the helper to the init's oom_score_adj. */
  oomScoreAdj?: number;
  /** --annotation (inspect: HostConfig.Annotations). */
  annotations?: Record<string, string>;
  /** --device-cgroup-rule lines, added to the devices cgroup's allow list. */
  deviceCgroupRules?: string[];
  /** The CFS quota/period came from --cpu-quota/--cpu-period (inspect: CpuQuota/CpuPeriod), not from --cpus (NanoCpus). */
  cfsGiven?: boolean;
  /** docker's Config.ExposedPorts keys ("80/tcp"): the image's, --expose's and the published ports. */
  exposedPorts?: string[];
}

/**
 * On disk at <root>/containers/<id>/config.json, always replaced atomically.
 * `pid` plus `pidStartTime` (field 22 of /proc/PID/stat) identify the init; a pid alone may have been reused.
 */
export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  status: ContainerStatus;
  config: ContainerConfig;
  pid?: number | undefined;
  pidStartTime?: string | undefined;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  exitCode?: number | undefined;
  oomKilled?: boolean | undefined;
  /** Frozen by `pause` (cgroup freezer) until `unpause`; cleared when the container exits. */
  paused?: boolean | undefined;
  /** How the current or last start was made: attached to a CLI process, or detached under a supervisor. */
  detached?: boolean | undefined;
  /** `run` is starting it without the container lock (lifecycle/starting.ts); others wait while this process lives. */
  starting?: Starter | undefined;
}

/** A process by pid and start time (field 22 of /proc/PID/stat). */
export interface Starter {
  pid: number;
  startTime: string;
}

import type { Resources } from '@skiff/cgroups';
import type { VolumeSpec } from '@skiff/plugin';
import type { SecurityFlags } from './security.js';
import type { Environment } from './validate.js';
import type { NetworkOptions } from './network.js';
import type { KernelOptions } from './kernel-options.js';
import type { Healthcheck, RestartPolicy, Ulimit } from '../state/record.js';

/** What `create` and `run` take: docker run's options, typed (the CLI's flags/ folder parses docker's syntax into these). */
export interface CreateOptions extends SecurityFlags, NetworkOptions, KernelOptions {
  image: string;
  /** The command; empty or absent runs the image's default command. */
  args?: string[];
  /** Replaces the image's entrypoint (`--entrypoint`; `[]` clears it); the image's Cmd is then not used. */
  entrypoint?: string[];
  name?: string;
  /** Variables added to (and overriding) the image's environment. The host's is never passed. */
  env?: Environment;
  workdir?: string;
  hostname?: string;
  /** Targets are absolute container paths, never '/', each used once (tmpfs targets included). */
  volumes?: VolumeSpec[];
  /** Driver for volumes that name none (default: the registry's highest priority volume driver, `bind`). */
  volumeDriver?: string;
  /**
   * docker's `--volumes-from`: every volume (named, anonymous or host path) of these containers, at the same
   * targets; `readOnly` forces the mode of each, else each keeps its own. A target this container mounts
   * itself is left out.
   */
  volumesFrom?: { container: string; readOnly?: boolean }[];
  storageDriver?: string;
  tty?: boolean;
  interactive?: boolean;
  /** Remove the container (not its volume data) when it exits: `--rm`. */
  autoRemove?: boolean;
  /** A minimal init as PID 1 that forwards signals and reaps zombies: `--init`. */
  init?: boolean;
  /** docker's --pid: 'host' or 'container:NAME'; --ipc: also 'private' (default) and 'shareable'. */
  pid?: string;
  ipc?: string;
  /** --sysctl: only keys of the container's own namespaces (IPC; net.* unless the network is the host's). */
  sysctls?: Record<string, string>;
  /** --ulimit; -1 is unlimited. */
  ulimits?: Ulimit[];
  /** --shm-size: /dev/shm in bytes (default 64 MiB). */
  shmSizeBytes?: number;
  /** docker's --health-*: run by a detached container's supervisor; status in ps and inspect. */
  healthcheck?: Healthcheck;
  /** --restart: the container's init starts the command again (implies `init`); not with `autoRemove`. */
  restartPolicy?: RestartPolicy;
  /** cgroup path below each hierarchy's root that holds the container's cgroup (docker's --cgroup-parent). */
  cgroupParent?: string;
  /** cgroup limits in docker's units (see @skiff/cgroups `Resources`). */
  resources?: Resources;
  /** Rotate the container's log when it exceeds this many bytes (default 10 MiB); keep `logKeep` old files (default 2). */
  logMaxBytes?: number;
  logKeep?: number;
  /** Labels added to (and overriding) the image's (`--label`, `--label-file`). */
  labels?: Record<string, string>;
  /** What `stop` sends first, instead of the image's StopSignal (`--stop-signal`). */
  stopSignal?: NodeJS.Signals;
  /** Seconds `stop` waits before SIGKILL when it is given no timeout (`--stop-timeout`; default 10). */
  stopTimeout?: number;
  /**
   * docker's -a: the streams an attached run relays (default all three), recorded for `create` and `run` as
   * docker's Config.AttachStdin/AttachStdout/AttachStderr.
   */
  attach?: AttachStream[];
}

export type AttachStream = 'stdin' | 'stdout' | 'stderr';

export interface RunOptions extends CreateOptions {
  /** Start in the background and return at once (`-d`); the output goes to the container's log. */
  detach?: boolean;
  /** Forward SIGINT/SIGTERM/SIGHUP/SIGQUIT received by this process to the container (the CLI does). */
  forwardSignals?: boolean;
  /**
   * Attached with `tty` and `interactive`: typed on this process's terminal, this sequence (docker's
   * --detach-keys, default Ctrl-P Ctrl-Q) leaves the container running, detached; `run` then resolves with
   * `detached: true`. Empty: no sequence.
   */
  detachKeys?: Uint8Array;
  /** Called once the container exists, before it starts (`--cidfile` writes the id here). */
  created?: (id: string) => void | Promise<void>;
}

export interface RunResult {
  id: string;
  name: string;
  /** The container's exit code (attached), or 0 once a detached container is running. */
  exitCode: number;
  /** The kernel killed the container's process for exceeding its memory limit. */
  oomKilled: boolean;
  /** Things the user should know that did not stop the run (e.g. no swap accounting on this host). */
  warnings: string[];
  /** The detach keys were typed: the container runs on, detached (`exitCode` is then 0). */
  detached?: boolean;
}

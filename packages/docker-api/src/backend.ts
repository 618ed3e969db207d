import type { CreateOptions, Skiff } from 'skiff';
import type { Readable } from 'node:stream';
import type { Credentials, ImageStore, LoadResult, PullEvent, PullResult, PushEvent, PushResult } from '@skiff/image';

/**
 * docker run's flags as the `skiff` command's parser takes them (strings, as typed): the service turns a
 * create body into these and lets that one parser check them, so a bind in `HostConfig.Binds` meets exactly the
 * checks a `-v` does.
 */
export interface RunFlags {
  interactive?: boolean;
  tty?: boolean;
  rm?: boolean;
  init?: boolean;
  name?: string;
  env?: string[];
  workdir?: string;
  hostname?: string;
  volume?: string[];
  mount?: string[];
  /** none, host, bridge, container:NAME or a user network's name; unset: skiff's default network. */
  network?: string;
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  cgroupParent?: string;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  readOnly?: boolean;
  tmpfs?: string[];
  user?: string;
  device?: string[];
  pull: 'missing' | 'always' | 'never';
  entrypoint?: string;
  /** -p specs ([IP:][HOST:]CTR[/PROTO]) and -P. */
  publish?: string[];
  publishAll?: boolean;
  networkAlias?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  addHost?: string[];
  restart?: string;
  label?: string[];
  sysctl?: string[];
  ulimit?: string[];
  shmSize?: string;
  groupAdd?: string[];
  pid?: string;
  ipc?: string;
  oomKillDisable?: boolean;
  stopSignal?: string;
  stopTimeout?: string;
  volumeDriver?: string;
  volumesFrom?: string[];
  logOpt?: string[];
}

/** What the service is built on: the library, the image store, and the `skiff` command's own parsers and pull. */
export interface DockerApiBackend {
  skiff: Skiff;
  images: ImageStore;
  /** The persistent state root (docker info's DockerRootDir). */
  root: string;
  /** docker run's flag parser (the CLI's `toRunOptions`), given no host environment to copy from. */
  createOptions(image: string, args: string[], flags: RunFlags): CreateOptions;
  /** Pulls `name` into the store (the CLI's registry settings and saved logins; `credentials` wins). */
  pull(name: string, options: { credentials?: Credentials; onProgress?: (event: PullEvent) => void; signal?: AbortSignal }): Promise<PullResult>;
  /** Pushes `name` to its registry (the CLI's registry settings and saved logins; `credentials` wins). */
  push(name: string, options: { credentials?: Credentials; onProgress?: (event: PushEvent) => void }): Promise<PushResult>;
  /** Loads the images of a `docker save` archive (or an OCI layout) into the store. */
  load(source: Readable): Promise<LoadResult>;
  /** `skiff container prune --filter WORD...` (until=, label=, label!=): what went, and the bytes given back. */
  pruneContainers(filters: string[]): Promise<{ removed: string[]; reclaimed: number }>;
  /** `skiff image prune [-a]`: what went, and the bytes given back. */
  pruneImages(all: boolean): Promise<{ untagged: string[]; deleted: string[]; reclaimed: number }>;
  /** The host-built default image's names (never pulled). */
  isDefaultImage(name: string): boolean;
}

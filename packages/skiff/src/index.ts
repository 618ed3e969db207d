/**
 * skiff as a library: run Linux containers from Node without a daemon, in the spirit of containerd's client
 * and dockerode. Every long call takes `{ signal?: AbortSignal }`; attached runs and execs hand back streams
 * (stdin, stdout, stderr, resize, exit) that the native helper relays, so nothing of this process is handed
 * into a container. Signal forwarding and terminals are the caller's business (the `skiff` command pipes
 * these streams to its own terminal).
 *
 *   const skiff = await createSkiff();
 *   const run = await skiff.run({ image: 'busybox', args: ['echo', 'hi'] });
 *   run.stdout.pipe(process.stdout);
 *   console.log(await run.exit);
 */
import type { Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import {
  archiveFromContainer,
  extractIntoContainer,
  processTable,
  type ProcessTable,
  statInContainer,
  type Attachment,
  type Change,
  type ContainerInspect,
  type CreateOptions,
  type EventMessage,
  type ExecOptions as CoreExecOptions,
  type LogLine,
  type PathStat,
  type PruneReport,
  type ReadEventsOptions,
  type Runtime,
  type StatsSample,
} from '@skiff/core';
import type { Resources } from '@skiff/cgroups';
import type { NetworkManager } from '@skiff/network';
import { createContext } from './wiring.js';

export { SkiffError, ErrorCodes, type ErrorCode } from '@skiff/plugin';
export type { Attachment, Change, ContainerHealth, ContainerInspect, CreateOptions, EventMessage, LogLine, PathStat, ProcessTable, PruneReport, StatsSample } from '@skiff/core';
export type { CreateNetworkOptions, NetworkManager, NetworkRecord } from '@skiff/network';

export interface SkiffOptions {
  /** Persistent state (images, containers, volumes, logs); default /var/lib/skiff or SKIFF_ROOT. */
  root?: string;
  /** Runtime state (pids, locks); default /run/skiff or SKIFF_RUN_ROOT. */
  runRoot?: string;
  /** Driver plugins to load, by npm package name (resolved from the current directory). */
  plugins?: string[];
}

export interface Abortable {
  signal?: AbortSignal;
}

/** An attached container: its streams (see Attachment) and its names. */
export interface AttachedContainer extends Attachment {
  id: string;
  name: string;
}

/** What `exec` takes: docker exec's options (`tty`: a pty, then stderr is empty and resize() works;
 * `interactive`: relay stdin, else the process reads /dev/null). */
export type ExecOptions = Pick<CoreExecOptions, 'args' | 'env' | 'workdir' | 'user' | 'tty' | 'interactive'>;

export interface WaitOptions extends Abortable {
  /**
   * 'next-exit' (default, containerd's Wait): the next time the container exits, so `wait` may be called
   * before `start` and no exit is missed. 'not-running': at once if it is not running now (`docker wait`).
   */
  condition?: 'next-exit' | 'not-running';
}

export interface LogsOptions extends Abortable {
  /** Keep reading as the container writes, until it stops (or the signal aborts). */
  follow?: boolean;
  /** Only the last N lines of what is already there. */
  tail?: number;
}

/** One container in `list()`. */
export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  args: string[];
  status: string;
  created: string;
  exitCode?: number;
}

/** Rejects with the signal's reason once it aborts; `promise` itself runs on. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** The library's handle on one skiff state root. Create it with createSkiff(). */
export class Skiff {
  readonly #runtime: Runtime;

  /** @internal */
  constructor(runtime: Runtime) {
    this.#runtime = runtime;
  }

  /** Validates everything and creates a container; nothing runs yet. */
  async create(options: CreateOptions): Promise<{ id: string; name: string }> {
    const { id, name } = await this.#runtime.create(options);
    return { id, name };
  }

  /**
   * Creates and starts a container attached: resolves once its command runs, with its streams. Read stdout and
   * stderr (or resume() them); `exit` resolves once it has exited and is torn down (removed with `autoRemove`).
   * Aborting kills it. Rejects (SkiffError, with docker's `exitCode` 125/126/127) if it cannot start.
   */
  async run(options: CreateOptions, { signal }: Abortable = {}): Promise<AttachedContainer> {
    signal?.throwIfAborted();
    const { id } = await this.#runtime.create(options);
    return this.attachStart(id, { signal });
  }

  /** Starts a created or stopped container attached (see run). */
  async attachStart(reference: string, { signal }: Abortable = {}): Promise<AttachedContainer> {
    const { id, name, attachment, result } = await this.#runtime.startAttached(reference, { signal });
    result.catch(() => {}); // reported through attachment.exit
    return { ...attachment, id, name };
  }

  /** Starts a created or stopped container in the background (its output goes to its log); resolves once it runs. */
  async start(reference: string, { signal }: Abortable = {}): Promise<{ warnings: string[] }> {
    const { warnings } = await abortable(this.#runtime.start(reference), signal);
    return { warnings };
  }

  /** Resolves with the exit code (see WaitOptions.condition). */
  wait(reference: string, options: WaitOptions = {}): Promise<number> {
    return this.#runtime.wait(reference, { nextExit: (options.condition ?? 'next-exit') === 'next-exit', signal: options.signal });
  }

  /** SIGTERM, then SIGKILL after `timeout` seconds (default 10); resolves once it has stopped. */
  stop(reference: string, options: Abortable & { timeout?: number } = {}): Promise<void> {
    return abortable(this.#runtime.stop(reference, options.timeout), options.signal);
  }

  /** Sends a signal by name (default SIGKILL) to the container's init. */
  kill(reference: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return this.#runtime.kill(reference, signal);
  }

  /**
   * Removes a stopped container (`force`: a running one too); `volumes`: its anonymous volumes too. Named
   * volumes and host directories are never touched.
   */
  remove(reference: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    return this.#runtime.remove(reference, options);
  }

  /** Named and anonymous volumes (`volume create/ls/inspect/rm/prune`): the runtime's volume store. */
  get volumes() {
    return this.#runtime.volumes;
  }

  /** Runs a command in a running container: resolves once it runs, with its streams. Aborting kills it. */
  exec(reference: string, options: ExecOptions, { signal }: Abortable = {}): Promise<Attachment> {
    return this.#runtime.exec(reference, { ...options, stdio: 'pipe', signal });
  }

  /** The container's output, line by line (attached and detached runs alike). */
  async *logs(reference: string, options: LogsOptions = {}): AsyncGenerator<LogLine> {
    const { signal } = options;
    signal?.throwIfAborted();
    const lines = this.#runtime.logs(reference, { follow: options.follow, tail: options.tail });
    const aborted = new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
    aborted.catch(() => {});
    try {
      for (;;) {
        const next = await (signal ? Promise.race([lines.next(), aborted]) : lines.next());
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await lines.return(undefined);
    }
  }

  /** docker inspect's shape. */
  inspect(reference: string): Promise<ContainerInspect> {
    return this.#runtime.inspect(reference);
  }

  /** Every container, newest first. */
  async list(): Promise<ContainerSummary[]> {
    return (await this.#runtime.list()).map((record) => ({
      id: record.id,
      name: record.name,
      image: record.config.image,
      args: record.config.args,
      status: record.status,
      created: record.created,
      exitCode: record.exitCode,
    }));
  }

  /** Removes stopped containers (never volume data). */
  prune(): Promise<PruneReport> {
    return this.#runtime.prune();
  }

  /** Freezes every process of a running container (cgroup freezer); `unpause` thaws them. */
  pause(reference: string): Promise<void> {
    return this.#runtime.pause(reference);
  }

  unpause(reference: string): Promise<void> {
    return this.#runtime.unpause(reference);
  }

  /** Gives the container a new name. */
  rename(reference: string, name: string): Promise<void> {
    return this.#runtime.rename(reference, name);
  }

  /** New cgroup limits, kept for later starts and applied now if it runs; resolves with warnings. */
  update(reference: string, resources: Resources): Promise<string[]> {
    return this.#runtime.update(reference, resources);
  }

  /** One reading of the container's cgroup (zeros when it is not running). */
  stats(reference: string): Promise<StatsSample> {
    return this.#runtime.stats(reference);
  }

  /** Host pids of the container's processes (empty when it is not running). */
  pids(reference: string): Promise<number[]> {
    return this.#runtime.pids(reference);
  }

  /** docker top: the host's `ps` (default -ef), the container's rows only; refused when it is not running. */
  async top(reference: string, psArgs: string[] = []): Promise<ProcessTable> {
    const { Id, Name } = await this.#runtime.inspect(reference);
    return processTable(Name.replace(/^\//, ''), await this.#runtime.pids(Id), psArgs);
  }

  /** What the container added, changed and deleted against its image (`docker diff`). */
  changes(reference: string): Promise<Change[]> {
    return this.#runtime.changes(reference);
  }

  /** Bytes in the container's writable layer (0 for storage drivers without one). */
  writableSize(reference: string): Promise<number> {
    return this.#runtime.writableSize(reference);
  }

  /** The events journal within [since, until] (unix ms), following it until `until` or the signal. */
  events(options: ReadEventsOptions = {}): AsyncGenerator<EventMessage> {
    return this.#runtime.events(options);
  }

  /**
   * lstat (`follow`: stat) of a path in a running container, resolved inside its root by its own `stat`;
   * undefined when absent.
   */
  statPath(reference: string, path: string, options: { follow?: boolean } = {}): Promise<PathStat | undefined> {
    return statInContainer(this.#runtime, reference, path, options);
  }

  /** A path of a running container as a tar stream (its own `tar`, inside its root): `docker cp` out. */
  archive(reference: string, path: string, output: Writable, options: { follow?: boolean } = {}): Promise<void> {
    return archiveFromContainer(this.#runtime, reference, path, output, options);
  }

  /** Extracts a tar stream into a directory of a running container (its own `tar`, inside its root): `docker cp` in. */
  extract(reference: string, dir: string, input: Readable, options: { keepOwners?: boolean } = {}): Promise<void> {
    return extractIntoContainer(this.#runtime, reference, dir, input, options);
  }

  /** The root's networks (`network create/ls/inspect/rm/prune`), after giving back what dead containers held. */
  async networks(): Promise<NetworkManager> {
    await this.#runtime.reconcileNetworks();
    return this.#runtime.networks();
  }

  /** Connects a container to a network (now if it runs, and at every start); resolves with warnings. */
  connect(reference: string, network: string, options: { aliases?: string[] } = {}): Promise<string[]> {
    return this.#runtime.connect(reference, network, options);
  }

  /** Disconnects a container from a network it was connected to. */
  disconnect(reference: string, network: string): Promise<void> {
    return this.#runtime.disconnect(reference, network);
  }

  /** Writes the container's root filesystem as a tar stream. */
  export(reference: string, output: string | Writable): Promise<void> {
    return this.#runtime.export(reference, output);
  }
}

/** A Skiff on the given state roots, with the built-in drivers and the named plugins. */
export async function createSkiff(options: SkiffOptions = {}): Promise<Skiff> {
  const { runtime } = await createContext({ root: options.root, runRoot: options.runRoot, plugin: options.plugins });
  return new Skiff(runtime);
}

import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { helperPath, readStatusFile } from '@skiff/native';
import { SkiffError, type DriverRegistry, type ImageConfig } from '@skiff/plugin';
import { makeRootsPrivate, type Roots } from '../roots.js';
import type { ContainerRecord } from '../state/record.js';
import { withRestartLock } from '../state/lock.js';
import { containerEvent, type EventMessage } from '../state/events.js';
import { readEvents, type ReadEventsOptions } from '../state/events-read.js';
import { constants as osConstants } from 'node:os';
import { ContainerStore } from '../state/store.js';
import { createContainer } from './create.js';
import { execInContainer, type ExecOptions } from './exec.js';
import { cgroupOf } from './cgroup.js';
import { copyTree } from './copy-tree.js';
import { layerChanges, layerSize, type Change } from './changes.js';
import { sampleStats, type StatsSample } from './stats.js';
import { renameContainer, updateContainer } from './update.js';
import type { Resources } from '@skiff/cgroups';
import { exportContainer } from './export.js';
import { EXIT_UNKNOWN, finishContainer } from './finish.js';
import { files, isAlive, storageDriver, type Host } from './host.js';
import type { ImageResolver } from './image.js';
import { inspectRecord, type ContainerInspect } from './inspect.js';
import { readLogs, withinTimes, type LogLine, type LogOptions } from './logs.js';
import type { CreateOptions, RunOptions, RunResult } from './options.js';
import { prune, type PruneReport } from './prune.js';
import { reconcile } from './reconcile.js';
import { removeContainer } from './remove.js';
import { volumeStore } from './named-volumes.js';
import type { VolumeStore } from '@skiff/volumes';
import { killContainer, validateSignal } from './signal.js';
import { setPaused, thawIfPaused } from './pause.js';
import { healthOf } from './health.js';
import { startAttached, startDetached } from './start.js';
import { startedElsewhere } from './starting.js';
import { stopContainer, waitContainer, type WaitOptions } from './stop.js';
import type { Attachment } from './attach.js';
import { connectNetwork, disconnectNetwork, endpointsOf, networkManager, reconcileNetworks } from './network.js';
import type { Endpoint, NetworkManager } from '@skiff/network';
import { attachContainer, type ContainerAttachment } from './attach-socket.js';

export interface RuntimeOptions {
  roots: Roots;
  registry: DriverRegistry;
  images: ImageResolver;
  /** Path of the native helper; defaults to the one built in @skiff/native. */
  helperPath?: string;
  /**
   * The command a detached container's supervisor runs when the container exits, so that teardown happens
   * with no skiff process alive. It must end up calling `Runtime.finish(id)` (the CLI's `skiff cleanup ID`).
   */
  exitCommand?: (id: string) => string[];
}

/**
 * The container lifecycle, daemonless: every method runs in the calling process and leaves its results in the
 * state store, so any later process (or another CLI) picks up where it left off. The `skiff` CLI is a thin
 * layer over this class. Containers are named by full id, unique id prefix, or name.
 */
export class Runtime {
  readonly store: ContainerStore;
  readonly #host: Host;

  constructor(options: RuntimeOptions) {
    makeRootsPrivate(options.roots);
    this.store = new ContainerStore(options.roots);
    this.#host = {
      roots: options.roots,
      store: this.store,
      registry: options.registry,
      images: options.images,
      helper: options.helperPath ?? helperPath(),
      exitCommand: options.exitCommand,
    };
  }

  /** Creates a container; attached (default) waits for it and returns its exit code, `detach` returns once it runs. */
  async run(options: RunOptions): Promise<RunResult> {
    // What a killed run or supervisor left (addresses, ports, rules) is given back before more is taken.
    await this.reconcileNetworks();
    const record = await createContainer(this.#host, options, { starting: true });
    try {
      await options.created?.(record.id);
      return await this.#start(record, options.detach ?? false, options.forwardSignals ?? false, options, true);
    } catch (error) {
      // `--rm` leaves nothing, whatever failed after create (a volume's options, its driver, the launch).
      if (options.autoRemove) await this.remove(record.id, { force: true, volumes: true }).catch(() => undefined);
      else await this.#startGivenUp(record.id).catch(() => undefined);
      throw error;
    }
  }

  /** A start by this process failed before it was recorded: others need not wait for it any longer. */
  async #startGivenUp(id: string): Promise<void> {
    const current = await this.store.get(id);
    if (!current?.starting || startedElsewhere(current) || current.starting.pid !== process.pid) return;
    current.starting = undefined;
    await this.store.save(current);
  }

  /** Validates everything and writes a `created` container; nothing runs yet. */
  create(options: CreateOptions): Promise<ContainerRecord> {
    return createContainer(this.#host, options);
  }

  /** Starts a created or stopped container, on its kept writable layer. */
  async start(reference: string, options: { attach?: boolean; forwardSignals?: boolean; detachKeys?: Uint8Array } = {}): Promise<RunResult> {
    // Reconciled first: a record still saying running whose init is gone (its exit could not be recorded, the
    // disk being full) is finished now rather than refused as "already running".
    const record = await this.#current(reference);
    try {
      return await this.#start(record, !options.attach, options.forwardSignals ?? false, { detachKeys: options.detachKeys });
    } catch (error) {
      // docker: starting a running container does nothing, successfully.
      const current = options.attach ? undefined : await this.#current(record.id).catch(() => undefined);
      if (current?.status === 'running' && isAlive(current)) return { id: record.id, name: record.name, exitCode: 0, oomKilled: false, warnings: [] };
      throw error;
    }
  }

  async #start(
    record: ContainerRecord,
    detach: boolean,
    forwardSignals: boolean,
    attach: Pick<RunOptions, 'detachKeys' | 'attach'> = {},
    fresh = false,
  ): Promise<RunResult> {
    const result: Awaited<ReturnType<typeof startDetached>> & { detached?: boolean } = detach
      ? await startDetached(this.#host, record.id, { fresh })
      : await (await startAttached(this.#host, record.id, { stdio: 'inherit', forwardSignals, detachKeys: attach.detachKeys, streams: attach.attach, fresh })).result;
    if (result.error) throw new SkiffError('FAILED_PRECONDITION', result.error, { exitCode: result.exitCode });
    return {
      id: record.id,
      name: record.name,
      exitCode: result.exitCode,
      oomKilled: result.oomKilled,
      warnings: result.warnings,
      ...(result.detached ? { detached: true } : {}),
    };
  }

  /**
   * Starts a created or stopped container attached, with its stdio as streams (the library's and the API
   * server's way); resolves once the command runs. `result` settles after the exit and the teardown.
   */
  async startAttached(reference: string, options: { signal?: AbortSignal } = {}): Promise<{ id: string; name: string; attachment: Attachment; result: Promise<RunResult> }> {
    const record = await this.store.resolve(reference);
    const started = await startAttached(this.#host, record.id, { stdio: 'pipe', signal: options.signal });
    const result = started.result.then((r) => ({ id: record.id, name: record.name, exitCode: r.exitCode, oomKilled: r.oomKilled, warnings: r.warnings }));
    return { id: record.id, name: record.name, attachment: started.attachment!, result };
  }

  /** Its stop signal, then SIGKILL after `timeoutSeconds` (default: its --stop-timeout, else 10). Resolves once stopped. */
  async stop(reference: string, timeoutSeconds?: number): Promise<void> {
    const record = await stopContainer(this.#host, reference, timeoutSeconds);
    if (record) containerEvent(this.#host.roots, 'stop', record);
  }

  /**
   * Stops (if running) and starts again, detached. One restart of a container at a time (its restart lock):
   * concurrent restarts each stop and start it in turn, rather than one starting what the other just started.
   */
  async restart(reference: string, timeoutSeconds?: number): Promise<RunResult> {
    const record = await this.store.resolve(reference);
    return withRestartLock(this.#host.roots, record.id, async () => {
      await this.stop(record.id, timeoutSeconds);
      return this.start(record.id);
    });
  }

  /** Sends a signal (default SIGKILL, as docker kill) to the container's init. */
  async kill(reference: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    validateSignal(signal);
    const record = await this.#current(reference);
    await killContainer(record, signal);
    containerEvent(this.#host.roots, 'kill', record, { signal: String(osConstants.signals[signal] ?? signal) });
    if (signal === 'SIGKILL') await thawIfPaused(record);
  }

  /** The events journal (`docker events`): see readEvents. */
  events(options: ReadEventsOptions = {}): AsyncGenerator<EventMessage> {
    return readEvents(this.#host.roots, options);
  }

  /** docker pause: freezes every process of the container (cgroup freezer). */
  async pause(reference: string): Promise<void> {
    await setPaused(this.#host, reference, true);
  }

  /** docker unpause. */
  async unpause(reference: string): Promise<void> {
    await setPaused(this.#host, reference, false);
  }

  /** Resolves with the exit code once the container has stopped (see WaitOptions for `nextExit` and `signal`). */
  wait(reference: string, options?: WaitOptions): Promise<number> {
    return waitContainer(this.#host, reference, options);
  }

  /**
   * Removes a stopped container; `force` kills a running one first; `volumes` (rm -v) removes its anonymous
   * volumes. Named volumes and host directories are never touched.
   */
  remove(reference: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    return removeContainer(this.#host, reference, { force: options.force ?? false, volumes: options.volumes ?? false });
  }

  /** Named and anonymous volumes: create, inspect, list, remove (refused while a container uses it), prune. */
  get volumes(): VolumeStore {
    return volumeStore(this.#host);
  }

  /** Runs a command inside a running container; resolves with its exit code (or, `stdio: 'pipe'`, its streams). */
  exec(reference: string, options: ExecOptions & { stdio: 'pipe' }): Promise<Attachment>;
  exec(reference: string, options: ExecOptions): Promise<number>;
  exec(reference: string, options: ExecOptions): Promise<number | Attachment> {
    return execInContainer(this.#host, reference, options);
  }

  /** docker attach: the streams of a running detached container (its supervisor's attach socket). */
  attach(reference: string): Promise<ContainerAttachment> {
    return attachContainer(this.#host, reference);
  }

  /** docker's health status of a running container with a health check: starting, healthy or unhealthy. */
  healthStatus(record: ContainerRecord): string | undefined {
    return healthOf(this.#host, record)?.Status;
  }

  async inspect(reference: string): Promise<ContainerInspect> {
    const record = await this.#current(reference);
    const endpoints = await endpointsOf(this.#host, record);
    if (!endpoints.length) return inspectRecord(this.#host, record);
    const networks = await networkManager(this.#host);
    return inspectRecord(this.#host, record, endpoints, (name) => networks.list().find((network) => network.name === name)?.id ?? '');
  }

  /** Every container (reconciled with reality first), newest first. */
  async list(): Promise<ContainerRecord[]> {
    await this.reconcileNetworks();
    // A record that cannot be brought up to date (a full disk, say) is shown as it is rather than failing the list.
    const records = await Promise.all(
      (await this.store.list()).map((record) =>
        reconcile(this.#host, record).catch(async () => {
          if (record.status !== 'running' || isAlive(record)) return record;
          // Its exit status is in the file reserved for it before the start, which a full disk cannot stop.
          const status = await readStatusFile(files(this.#host, record.id).exitStatus).catch(() => undefined);
          const finishedAt = status ? new Date(status.finishedAtMs).toISOString() : new Date().toISOString();
          return { ...record, status: 'stopped' as const, exitCode: status?.exitCode ?? EXIT_UNKNOWN, finishedAt };
        }),
      ),
    );
    return records.filter((record): record is ContainerRecord => record !== undefined).sort((a, b) => b.created.localeCompare(a.created));
  }

  /** Lines of a detached container's output; see LogOptions for `follow` and `tail`. */
  logs(reference: string, options?: LogOptions): AsyncGenerator<LogLine> {
    const lines = readLogs(this.#host, reference, options);
    return options?.sinceMs === undefined && options?.untilMs === undefined ? lines : withinTimes(lines, options);
  }

  /**
   * Makes image `image` from the container's writable layer on top of its image. A running container is
   * frozen (cgroup freezer) while its layer is copied, as docker pauses it, unless `pause` is false; either
   * way the copy (the helper's copy-tree) follows nothing the container swaps in.
   */
  async commit(
    reference: string,
    image: string,
    options: {
      pause?: boolean;
      /** docker commit -c: the new image's config, made from the container image's (the CLI applies the instructions). */
      changes?: (config: ImageConfig) => ImageConfig;
      /** docker commit -m: the image's Comment. */
      comment?: string;
    } = {},
  ): Promise<{ id: string; name: string }> {
    const record = await this.#current(reference);
    const commit = this.#host.images.commit?.bind(this.#host.images);
    if (!commit) throw new SkiffError('NOT_SUPPORTED', 'this runtime\'s image store cannot commit images');
    const storage = await storageDriver(this.#host, record.config.storageDriver);
    const diffDir = storage.diffPath(record.id);
    if (!diffDir) throw new SkiffError('NOT_SUPPORTED', `storage driver ${storage.name} keeps no separate writable layer to commit`);
    const copy = (from: string, to: string) => copyTree(this.#host.helper, from, to);
    const frozen = (options.pause ?? true) && record.status === 'running' ? cgroupOf(record) : undefined;
    if (frozen) await frozen.freeze();
    try {
      return await commit(image, {
        parent: record.config.image,
        diffDir,
        copy,
        ...(options.changes ? { config: options.changes((await this.#host.images.resolve(record.config.image)).config) } : {}),
        ...(options.comment ? { comment: options.comment } : {}),
      });
    } finally {
      if (frozen) await frozen.thaw();
    }
  }

  /** `docker rename`. */
  async rename(reference: string, name: string): Promise<void> {
    await renameContainer(this.#host, reference, name);
  }

  /** `docker update`: new limits, kept for later starts and applied now if it runs; returns warnings. */
  update(reference: string, resources: Resources): Promise<string[]> {
    return updateContainer(this.#host, reference, resources);
  }

  /** One reading of the container's cgroup (CPU time, memory, pids, block I/O); zeros when it is not running. */
  async stats(reference: string): Promise<StatsSample> {
    return sampleStats(await this.#current(reference));
  }

  /** Host pids of the container's processes (its cgroup's), for `top`; empty when it is not running. */
  async pids(reference: string): Promise<number[]> {
    const record = await this.#current(reference);
    if (record.status !== 'running' || !isAlive(record)) return [];
    return cgroupOf(record).getPids();
  }

  /** The host directory of the container's writable layer (overlay's upper dir); none for drivers without one. */
  async writableLayer(reference: string): Promise<string | undefined> {
    const record = await this.store.resolve(reference);
    return (await storageDriver(this.#host, record.config.storageDriver)).diffPath(record.id);
  }

  /** `docker diff`: what the container added (A), changed (C) and deleted (D) against its image, by path. */
  async changes(reference: string): Promise<Change[]> {
    const record = await this.store.resolve(reference);
    const upper = await this.writableLayer(record.id);
    if (!upper) throw new SkiffError('NOT_SUPPORTED', `storage driver ${record.config.storageDriver} keeps no separate writable layer to compare`);
    return layerChanges(upper, record.config.layers);
  }

  /** Bytes in the container's writable layer (`ps -s`); 0 for drivers without one. */
  async writableSize(reference: string): Promise<number> {
    const upper = await this.writableLayer(reference);
    return upper ? layerSize(upper) : 0;
  }

  /** Writes the container's root filesystem as a tar stream to `output` (a path or a stream). */
  async export(reference: string, output: string | Writable): Promise<void> {
    const record = await this.#current(reference);
    if (typeof output !== 'string') return exportContainer(this.#host, record, output);
    const file = createWriteStream(output, { mode: 0o600 });
    try {
      await exportContainer(this.#host, record, file);
    } finally {
      await new Promise((resolve) => file.end(resolve));
    }
  }

  /** Reconciles state with reality and removes stopped containers (never volume data). */
  async prune(): Promise<PruneReport> {
    const report = await prune(this.#host);
    await this.reconcileNetworks();
    return report;
  }

  /** Gives back what containers that no longer run still hold of the networks (after a kill -9). */
  reconcileNetworks(): Promise<void> {
    return reconcileNetworks(this.#host, (record) => reconcile(this.#host, record));
  }

  /** Networks of this root: create, list, inspect, remove (`skiff network`). Reconcile first for current endpoints. */
  networks(): Promise<NetworkManager> {
    return networkManager(this.#host);
  }

  /** `network connect`: another network for the container, now if it runs and at every start; returns warnings. */
  connect(reference: string, network: string, options: { aliases?: string[] } = {}): Promise<string[]> {
    return connectNetwork(this.#host, reference, network, options.aliases ?? []);
  }

  /** `network disconnect` of a network joined with connect. */
  disconnect(reference: string, network: string): Promise<void> {
    return disconnectNetwork(this.#host, reference, network);
  }

  /** The container's endpoints (address, ports) while it runs. */
  async endpoints(reference: string): Promise<Endpoint[]> {
    return endpointsOf(this.#host, await this.#current(reference));
  }

  /** Teardown after the container's init exited: what a detached container's exit command calls. */
  async finish(id: string): Promise<void> {
    await finishContainer(this.#host, id);
  }

  async #current(reference: string): Promise<ContainerRecord> {
    const found = await this.store.resolve(reference);
    return (await reconcile(this.#host, found)) ?? found;
  }
}

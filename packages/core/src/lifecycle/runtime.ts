import { spawn } from 'node:child_process';
import { lstat, mkdir } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { CgroupManager, Resources } from '@skiff/cgroups';
import { encodePlan, helperPath, mountToSyscall, type LaunchPlan } from '@skiff/native';
import { SkiffError, invalidArgument } from '../plugin/errors.js';
import { removeTree, resolveInRoot } from '../plugin/fs-safety.js';
import type { Mount } from '../plugin/mount.js';
import type { DriverContext, DriverKind, DriverRegistry } from '../plugin/registry.js';
import type { StorageDriver } from '../plugin/storage.js';
import type { VolumeDriver, VolumeRequest } from '../plugin/volume.js';
import { newId, randomName, shortId } from '../ids.js';
import { containerDir, type Roots } from '../roots.js';
import { ContainerStore } from '../state/store.js';
import { isSameProcess, processStartTime } from '../state/proc.js';
import type { ContainerConfig, ContainerRecord, VolumeSpec } from '../state/record.js';
import { transition } from './states.js';
import type { ImageResolver } from './image.js';
import { mergeEnv, validateEnv, validateHostname, validateWorkdir } from './validate.js';
import { trace } from './trace.js';
import { cgroupCall, prepareCgroup } from './cgroup.js';

export interface RuntimeOptions {
  roots: Roots;
  registry: DriverRegistry;
  images: ImageResolver;
  /** Path of the native helper; defaults to the one built in @skiff/native. */
  helperPath?: string;
}

export interface RunOptions {
  image: string;
  /** The command; empty or absent runs the image's default command. */
  args?: string[];
  name?: string;
  /** KEY=VALUE entries added to (and overriding) the image's environment. The host's is never passed. */
  env?: string[];
  workdir?: string;
  hostname?: string;
  volumes?: VolumeSpec[];
  /** Driver for volumes that name none (default: the registry's highest priority volume driver, `bind`). */
  volumeDriver?: string;
  storageDriver?: string;
  network?: 'none' | 'host';
  tty?: boolean;
  interactive?: boolean;
  /** Remove the container (not its volume data) when it exits: `--rm`. */
  autoRemove?: boolean;
  /** cgroup path below each hierarchy's root that holds the container's cgroup (docker's --cgroup-parent). */
  cgroupParent?: string;
  /** Resource limits (see @skiff/cgroups resourcesFromFlags for docker's flag syntax). */
  resources?: Resources;
  /** Forward SIGINT/SIGTERM/SIGHUP/SIGQUIT received by this process to the container (the CLI does). */
  forwardSignals?: boolean;
}

export interface RunResult {
  id: string;
  name: string;
  exitCode: number;
  /** The kernel killed the container's process for exceeding its memory limit. */
  oomKilled: boolean;
  /** Things the user should know that did not stop the run (e.g. no swap accounting on this host). */
  warnings: string[];
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

/**
 * The container lifecycle, daemonless: every method runs in the calling process and leaves its results in the
 * state store. The CLI is a thin layer over this class.
 */
export class Runtime {
  readonly store: ContainerStore;
  readonly #helper: string;

  constructor(readonly options: RuntimeOptions) {
    this.store = new ContainerStore(options.roots);
    this.#helper = options.helperPath ?? helperPath();
  }

  /** Creates a container, runs it in the foreground with this process's stdio, and waits for it. */
  async run(options: RunOptions): Promise<RunResult> {
    const record = await this.create(options);
    try {
      const { exitCode, warnings } = await this.#startAttached(record, options.forwardSignals ?? false);
      return { id: record.id, name: record.name, exitCode, oomKilled: record.oomKilled ?? false, warnings };
    } finally {
      if (record.config.autoRemove) await this.remove(record.id);
    }
  }

  /**
   * Validates everything and writes a `created` container record. Bad input throws before anything exists on
   * disk; drivers that cannot run here are refused here too.
   */
  async create(options: RunOptions): Promise<ContainerRecord> {
    const image = await this.options.images.resolve(options.image);
    const storage = await this.#storage(options.storageDriver);
    const volumes: ContainerConfig['volumes'] = [];
    for (const volume of options.volumes ?? []) {
      const driver = volume.driver ?? options.volumeDriver;
      volumes.push({ ...volume, driver: (await this.#volumeDriver(driver)).name });
    }
    const targets = new Set<string>();
    for (const volume of volumes) {
      if (targets.has(volume.target)) throw invalidArgument(`duplicate mount point: ${volume.target}`);
      targets.add(volume.target);
    }
    const id = newId();
    const args = options.args?.length ? options.args : image.config.cmd;
    if (!args.length) throw invalidArgument(`no command given and image "${image.name}" has no default command`);
    const config: ContainerConfig = {
      image: image.name,
      layers: image.layers,
      args,
      env: mergeEnv(image.config.env, validateEnv(options.env ?? [])),
      workdir: validateWorkdir(options.workdir ?? image.config.workingDir ?? '/'),
      hostname: validateHostname(options.hostname ?? shortId(id)),
      tty: options.tty ?? false,
      interactive: options.interactive ?? false,
      network: options.network ?? 'none',
      storageDriver: storage.name,
      volumes,
      autoRemove: options.autoRemove ?? false,
      resources: options.resources ?? {},
      cgroupParent: options.cgroupParent ?? 'skiff',
    };
    const record: ContainerRecord = {
      id,
      name: options.name ?? randomName(),
      created: new Date().toISOString(),
      status: 'created',
      config,
    };
    await this.#createRecord(record, options.name === undefined);
    trace('created');
    return record;
  }

  /** Removes a container that is not running: its writable layer, volume bookkeeping, record and name. */
  async remove(reference: string): Promise<void> {
    const record = await this.store.resolve(reference);
    if (record.status === 'running' && isSameProcess(record.pid, record.pidStartTime)) {
      transition(record.name, 'running', 'remove');
    }
    const storage = await this.#storage(record.config.storageDriver);
    await storage.remove(record.id);
    await removeTree(join(containerDir(this.options.roots, record.id), 'rootfs'));
    await this.store.remove(record);
    trace('removed');
  }

  async #createRecord(record: ContainerRecord, retryName: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.create(record);
      } catch (error) {
        if (!retryName || attempt > 5 || !SkiffError.is(error, 'ALREADY_EXISTS')) throw error;
        record.name = randomName();
      }
    }
  }

  async #startAttached(record: ContainerRecord, forwardSignals: boolean): Promise<{ exitCode: number; warnings: string[] }> {
    record.status = transition(record.name, record.status, 'start') as 'running';
    const taken: { driver: VolumeDriver; request: VolumeRequest }[] = [];
    let cgroup: CgroupManager | undefined;
    try {
      const plan = await this.#plan(record, taken);
      const prepared = await prepareCgroup(record.id, record.config.cgroupParent, record.config.resources);
      cgroup = prepared.manager;
      plan.cgroupProcs = cgroup.procsFiles();
      trace('planned');
      const child = spawn(this.#helper, ['run'], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
      const onSignal = (signal: NodeJS.Signals) => child.kill(signal);
      if (forwardSignals) for (const signal of FORWARDED) process.on(signal, onSignal);
      try {
        const exited = new Promise<number>((resolve, reject) => {
          child.once('error', (error) =>
            reject(new SkiffError('INTERNAL', `cannot start the native helper ${this.#helper}: ${error.message}`, { cause: error })),
          );
          child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? signalNumber(signal) : 0)));
        });
        const planPipe = child.stdio[3] as NodeJS.WritableStream;
        planPipe.on('error', () => {}); // the helper may exit before reading it all; its exit code says why
        planPipe.end(encodePlan(plan));
        trace('spawned');
        if (child.pid) {
          record.pid = child.pid;
          record.pidStartTime = processStartTime(child.pid);
        }
        record.startedAt = new Date().toISOString();
        await this.store.save(record);
        const exitCode = await exited;
        trace('exited');
        record.status = 'stopped';
        record.exitCode = exitCode;
        record.oomKilled = await cgroup.oomKilled().catch(() => false);
        record.finishedAt = new Date().toISOString();
        record.pid = undefined;
        record.pidStartTime = undefined;
        await this.store.save(record);
        return { exitCode, warnings: prepared.warnings };
      } finally {
        if (forwardSignals) for (const signal of FORWARDED) process.off(signal, onSignal);
      }
    } catch (error) {
      if (record.status === 'running') {
        record.status = 'stopped';
        record.exitCode = 125;
        record.finishedAt = new Date().toISOString();
        await this.store.save(record).catch(() => {});
      }
      throw error;
    } finally {
      // Stray processes first (they may hold volumes), then the volumes' bookkeeping.
      if (cgroup) await cgroupCall(() => cgroup!.destroy());
      for (const { driver, request } of taken.reverse()) await driver.unmount(request);
    }
  }

  /** Asks the drivers for the container's mounts and assembles the helper's launch plan. */
  async #plan(record: ContainerRecord, taken: { driver: VolumeDriver; request: VolumeRequest }[]): Promise<LaunchPlan> {
    const { config } = record;
    const storage = await this.#storage(config.storageDriver);
    const mounts: Mount[] = await storage.prepare(record.id, { dirs: config.layers });
    const dir = containerDir(this.options.roots, record.id);
    for (const [index, volume] of config.volumes.entries()) {
      const driver = await this.#volumeDriver(volume.driver);
      const scratchDir = join(dir, 'volumes', String(index));
      await mkdir(scratchDir, { recursive: true, mode: 0o700 });
      const request: VolumeRequest = {
        ref: record.id,
        source: volume.source,
        target: volume.target,
        readOnly: volume.readOnly,
        options: volume.options,
        imagePath: await imagePathOf(config.layers, volume.target),
        scratchDir,
      };
      mounts.push(...(await driver.mount(request)));
      taken.push({ driver, request });
    }
    const rootfs = join(dir, 'rootfs');
    await mkdir(rootfs, { recursive: true, mode: 0o700 });
    return {
      rootfs,
      mounts: mounts.map(mountToSyscall),
      hostname: config.hostname,
      cwd: config.workdir,
      args: config.args,
      env: config.env,
      tty: config.tty,
      stdin: config.interactive,
      network: config.network,
      cgroupProcs: [],
    };
  }

  #context = (kind: DriverKind) => (name: string): DriverContext => ({
    root: join(this.options.roots.root, kind === 'storage' ? 'storage' : 'volumes', name),
    runRoot: this.options.roots.runRoot,
    isContainerActive: async (id) => {
      const record = await this.store.get(id);
      return record?.status === 'running' && isSameProcess(record.pid, record.pidStartTime);
    },
  });

  async #storage(name: string | undefined): Promise<StorageDriver> {
    const driver = await this.options.registry.resolve('storage', name, this.#context('storage'));
    await mkdir(this.#context('storage')(driver.name).root, { recursive: true, mode: 0o700 });
    return driver;
  }

  async #volumeDriver(name: string | undefined): Promise<VolumeDriver> {
    const driver = await this.options.registry.resolve('volume', name, this.#context('volume'));
    await mkdir(this.#context('volume')(driver.name).root, { recursive: true, mode: 0o700 });
    return driver;
  }
}

/** Host path of what the image holds at `target` (top-most layer that has it), resolved inside each layer. */
async function imagePathOf(layers: string[], target: string): Promise<string | undefined> {
  for (const layer of layers) {
    const path = await resolveInRoot(layer, target);
    if (await lstat(path).then(() => true, () => false)) return path;
  }
  return undefined;
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}

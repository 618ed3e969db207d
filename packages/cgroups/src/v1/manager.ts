/**
 * cgroup v1 manager: one directory per controller hierarchy.
 *
 *   <mount of controller>/<parent...>/<name>/     for each of cpuset, cpu, cpuacct, memory, pids, devices, freezer, blkio
 *   e.g. /sys/fs/cgroup/memory/skiff/<id>/memory.limit_in_bytes
 *        /sys/fs/cgroup/cpu,cpuacct/skiff/<id>/cpu.shares      (co-mounted controllers share one directory)
 *
 * Controllers that are not mounted are skipped; a limit that needs one fails with NOT_SUPPORTED. A process
 * joins by being written into the cgroup.procs of each distinct hierarchy (`procsFiles`). Other hierarchies
 * (name=systemd, net_cls, …) are not touched. Limits: memory, cpu, cpuset, pids, device rules, blkio; no
 * hugetlb/net_cls limits.
 */
import { join } from 'node:path';
import { collectPids, killPids, waitEmpty } from '../processes.js';
import { defaultTimeouts, removeCgroupTree } from '../remove.js';
import { checkCgroupPath, checkPid, checkResources } from '../validate.js';
import { CgroupError, errnoOf, systemError } from '../errors.js';
import { nodeCgroupFs, type CgroupFs } from '../fs.js';
import type { CgroupManager, CgroupStats, CgroupTimeouts, KillFunction, Resources, SetResult } from '../types.js';
import { V1BlkioController } from './blkio.js';
import { V1CpuController } from './cpu.js';
import { V1CpuacctController } from './cpuacct.js';
import { V1CpusetController } from './cpuset.js';
import { V1DevicesController } from './devices.js';
import { V1FreezerController } from './freezer.js';
import { noSwapAccountingWarning, V1MemoryController } from './memory.js';
import { V1PidsController } from './pids.js';

/** The v1 controllers skiff manages, in the order their directories are created and joined. */
export const V1_CONTROLLERS = ['cpuset', 'cpu', 'cpuacct', 'memory', 'pids', 'devices', 'freezer', 'blkio'] as const;
export type V1ControllerName = (typeof V1_CONTROLLERS)[number];

export interface V1ManagerOptions {
  /** The container's cgroup name. */
  name: string;
  /** Path below each hierarchy's mount point, shared by all containers. Default "skiff". */
  parent?: string;
  /** Controller → mount point of its hierarchy (see `findV1Mounts`). Co-mounted controllers map to one dir. */
  mounts: Partial<Record<V1ControllerName, string>>;
  fs?: CgroupFs;
  kill?: KillFunction;
  timeouts?: CgroupTimeouts;
}

export class CgroupV1Manager implements CgroupManager {
  readonly specificationVersion = 'v1' as const;
  readonly cgroupVersion = 'v1' as const;
  readonly name: string;

  private readonly fs: CgroupFs;
  private readonly kill: KillFunction;
  private readonly timeouts: Required<CgroupTimeouts>;
  /** Path components below each mount point: [...parent, name]. */
  private readonly levels: string[];
  /** Controller → mount point, for the mounted ones only. */
  private readonly mounts: Map<V1ControllerName, string>;
  /** create() has made every level: set() does not make them again. */
  private created = false;

  readonly memory: V1MemoryController | undefined;
  readonly cpu: V1CpuController | undefined;
  readonly cpuacct: V1CpuacctController | undefined;
  readonly cpuset: V1CpusetController | undefined;
  readonly pids: V1PidsController | undefined;
  readonly freezer: V1FreezerController | undefined;
  readonly devices: V1DevicesController | undefined;
  readonly blkio: V1BlkioController | undefined;

  constructor(options: V1ManagerOptions) {
    this.name = options.name;
    this.levels = checkCgroupPath(options.name, options.parent ?? 'skiff');
    this.fs = options.fs ?? nodeCgroupFs;
    this.kill = options.kill ?? ((pid, signal) => process.kill(pid, signal));
    this.timeouts = { ...defaultTimeouts, ...options.timeouts };
    this.mounts = new Map();
    for (const controller of V1_CONTROLLERS) {
      const mount = options.mounts[controller];
      if (mount) this.mounts.set(controller, mount);
    }
    if (this.mounts.size === 0) {
      throw new CgroupError('NOT_SUPPORTED', 'no cgroup v1 controller hierarchy is mounted');
    }
    const dir = (controller: V1ControllerName) => {
      const mount = this.mounts.get(controller);
      return mount === undefined ? undefined : join(mount, ...this.levels);
    };
    const make = <T>(controller: V1ControllerName, create: (dir: string) => T) => {
      const path = dir(controller);
      return path === undefined ? undefined : create(path);
    };
    this.memory = make('memory', (path) => new V1MemoryController(path, this.fs));
    this.cpu = make('cpu', (path) => new V1CpuController(path, this.fs));
    this.cpuacct = make('cpuacct', (path) => new V1CpuacctController(path, this.fs));
    this.cpuset = make('cpuset', (path) => new V1CpusetController(path, this.fs));
    this.pids = make('pids', (path) => new V1PidsController(path, this.fs));
    this.freezer = make('freezer', (path) => new V1FreezerController(path, this.fs));
    this.devices = make('devices', (path) => new V1DevicesController(path, this.fs));
    this.blkio = make('blkio', (path) => new V1BlkioController(path, this.fs));
  }

  paths(): Record<string, string> {
    const paths: Record<string, string> = {};
    for (const [controller, mount] of this.mounts) paths[controller] = join(mount, ...this.levels);
    return paths;
  }

  /** One directory per distinct hierarchy (co-mounted controllers appear once), in V1_CONTROLLERS order. */
  private hierarchyDirs(): string[] {
    return [...new Set(Object.values(this.paths()))];
  }

  procsFiles(): string[] {
    return this.hierarchyDirs().map((dir) => join(dir, 'cgroup.procs'));
  }

  joinFiles(): string[] {
    return this.hierarchyDirs().map((dir) => join(dir, 'tasks'));
  }

  async create(): Promise<void> {
    const cpusetMount = this.mounts.get('cpuset');
    const done = new Set<string>();
    for (const mount of this.mounts.values()) {
      if (done.has(mount)) continue;
      done.add(mount);
      const dirs = this.levels.map((_, depth) => join(mount, ...this.levels.slice(0, depth + 1)));
      // Every level is made before any is written to: once our own (deepest) level exists, the shared parent
      // is not empty and another container's teardown can no longer rmdir it under us. The only window left
      // is between two mkdirs, and losing it is an ENOENT the caller retries.
      for (const dir of dirs) {
        try {
          this.fs.mkdir(dir);
        } catch (error) {
          throw systemError(`create cgroup ${dir}`, error);
        }
      }
      // Before anything can join a level (or a level below it), it needs cpus and mems of its own, parent first.
      if (mount === cpusetMount) for (const dir of dirs) V1CpusetController.inheritFromParent(this.fs, dir);
    }
    this.created = true;
  }

  async apply(pid: number): Promise<void> {
    if (pid !== -1) checkPid(pid);
    await this.create();
    if (pid === -1) return;
    for (const file of this.procsFiles()) {
      try {
        this.fs.writeFile(file, String(pid));
      } catch (error) {
        const errno = errnoOf(error);
        if (errno === 'ESRCH') throw new CgroupError('NOT_FOUND', `process ${pid} does not exist`, { cause: error });
        const wrapped = systemError(`add process ${pid} to ${file}`, error);
        if (errno === 'ENOSPC') {
          throw new CgroupError(wrapped.code, `${wrapped.message}; the cpuset has no cpus or mems`, { cause: error });
        }
        throw wrapped;
      }
    }
  }

  async set(resources: Resources): Promise<SetResult> {
    checkResources(resources);
    const warnings: string[] = [];
    const need = <T>(controller: T | undefined, name: V1ControllerName, what: string): T => {
      if (controller === undefined) {
        throw new CgroupError('NOT_SUPPORTED', `cannot set ${what}: the cgroup v1 ${name} controller is not mounted on this host`);
      }
      return controller;
    };
    if (!this.created) await this.create();
    const r = resources;
    const memoryFields = [r.memory, r.memorySwap, r.oomKillDisable, r.memoryReservation, r.memorySwappiness];
    if (memoryFields.some((value) => value !== undefined)) need(this.memory, 'memory', 'the memory limit').set(r, warnings);
    if (r.cpuRtRuntime !== undefined && r.cpuRtRuntime > 0) {
      need(this.cpu, 'cpu', 'the real-time CPU budget');
      const cpuMount = this.mounts.get('cpu')!;
      const parents = this.levels.slice(0, -1).map((_, depth) => join(cpuMount, ...this.levels.slice(0, depth + 1)));
      V1CpuController.raiseRtBudget(this.fs, parents, r.cpuRtRuntime);
    }
    if ([r.cpuShares, r.cpuQuota, r.cpuPeriod, r.cpuRtRuntime, r.cpuRtPeriod].some((value) => value !== undefined)) {
      need(this.cpu, 'cpu', 'the CPU limit').set(r);
    }
    if (r.cpusetCpus !== undefined || r.cpusetMems !== undefined) need(this.cpuset, 'cpuset', 'the cpuset').set(r);
    if (r.pidsLimit !== undefined) need(this.pids, 'pids', 'the pids limit').set(r);
    if (r.devices !== undefined) need(this.devices, 'devices', 'the device rules').set(r.devices);
    if (r.blkio !== undefined) need(this.blkio, 'blkio', 'the block I/O limits').set(r.blkio);
    return { warnings };
  }

  async getPids(): Promise<number[]> {
    return collectPids(this.fs, this.hierarchyDirs());
  }

  private requireFreezer(): V1FreezerController {
    if (this.freezer === undefined) {
      throw new CgroupError('NOT_SUPPORTED', 'cannot freeze: the cgroup v1 freezer controller is not mounted on this host');
    }
    if (!this.fs.exists(this.freezer.dir)) throw new CgroupError('NOT_FOUND', `cgroup ${this.freezer.dir} does not exist`);
    return this.freezer;
  }

  async freeze(): Promise<void> {
    await this.requireFreezer().set('FROZEN', this.timeouts.freezeMs);
  }

  async thaw(): Promise<void> {
    await this.requireFreezer().set('THAWED', this.timeouts.freezeMs);
  }

  async stats(): Promise<CgroupStats> {
    const warnings: string[] = [];
    const exists = (controller: { dir: string } | undefined) => controller !== undefined && this.fs.exists(controller.dir);
    const memory = exists(this.memory) ? this.memory!.stats() : null;
    if (memory === null) warnings.push('memory statistics unavailable: the memory controller is not mounted or the cgroup is gone');
    else if (!memory.swapAccounting) warnings.push(noSwapAccountingWarning);
    const cpu = exists(this.cpuacct) ? { usageNs: this.cpuacct!.usageNs() } : null;
    if (cpu === null) warnings.push('CPU statistics unavailable: the cpuacct controller is not mounted or the cgroup is gone');
    const pids = exists(this.pids) ? this.pids!.stats() : null;
    if (pids === null) warnings.push('pids statistics unavailable: the pids controller is not mounted or the cgroup is gone');
    return { memory, cpu, pids, warnings };
  }

  async oomKilled(): Promise<boolean> {
    if (this.memory === undefined || !this.fs.exists(this.memory.dir)) return false;
    return this.memory.oomKilled();
  }

  async killAll(): Promise<void> {
    const dirs = this.hierarchyDirs();
    if (collectPids(this.fs, dirs).length === 0) return;
    // Frozen, nothing can fork between reading the pid list and signalling it.
    let frozen = false;
    if (this.freezer !== undefined && this.fs.exists(this.freezer.dir)) {
      try {
        await this.freezer.set('FROZEN', this.timeouts.freezeMs);
        frozen = true;
      } catch {
        // Fall back to the kill loop below, which re-signals until the cgroup is empty.
      }
    }
    try {
      killPids(this.kill, collectPids(this.fs, dirs));
    } finally {
      // SIGKILL is delivered to a frozen task only once it is thawed.
      if (frozen) await this.freezer!.set('THAWED', this.timeouts.freezeMs);
    }
    await waitEmpty(this.fs, this.kill, dirs, this.timeouts.emptyMs);
  }

  async destroy(): Promise<void> {
    const dirs = this.hierarchyDirs().filter((dir) => this.fs.exists(dir));
    if (dirs.length === 0) return;
    if (collectPids(this.fs, dirs).length > 0) await this.killAll();
    for (const dir of dirs) await removeCgroupTree(this.fs, dir, this.timeouts.removeMs);
  }
}

/**
 * cgroup v2 manager: one directory in the unified hierarchy.
 *
 *   <root>/cgroup.subtree_control            "+memory +cpu +cpuset +pids +io" enabled level by level, only those
 *   <root>/<parent...>/cgroup.subtree_control  listed in the level's cgroup.controllers
 *   <root>/<parent...>/<name>/               memory.max memory.swap.max cpu.max cpu.weight cpuset.cpus
 *                                            cpuset.mems pids.max memory.low io.weight io.max cgroup.freeze cgroup.kill cgroup.events
 *                                            memory.events memory.current memory.peak cpu.stat pids.current
 *
 * Controllers are never enabled in the container's own directory: v2's "no internal processes" rule would
 * then forbid processes in it. On a hybrid host whose controllers are all bound to v1, the unified tree has
 * no controllers: placement, freeze, kill and removal still work; a limit fails with NOT_SUPPORTED.
 */
import { dirname, join } from 'node:path';
import { parseCounter, parseKeyed, parseLimit, readText, writeText } from '../interface-files.js';
import { collectPids, killPids, waitEmpty } from '../processes.js';
import { defaultTimeouts, removeCgroupTree } from '../remove.js';
import { checkCgroupPath, checkPid, checkResources } from '../validate.js';
import { pollUntil } from '@skiff/plugin';
import { CgroupError, errnoOf, systemError } from '../errors.js';
import { nodeCgroupFs, type CgroupFs } from '../fs.js';
import type { CgroupManager, CgroupStats, CgroupTimeouts, KillFunction, MemoryStats, Resources, SetResult } from '../types.js';
import { blkioWeightToIoWeight, cpuMaxValue, ioMaxLines, maxValue, sharesToWeight, swapMaxValue } from './convert.js';

/** The controllers skiff enables for its cgroups, where the parent offers them. */
export const V2_CONTROLLERS = ['cpuset', 'cpu', 'memory', 'pids', 'io'] as const;

/** cgroup v2 has no devices.allow: its device filter is an eBPF program attached to the cgroup. */
export const noDeviceRulesWarning =
  'cgroup v2 filters devices with an eBPF program, which skiff does not install: the device rules are not applied ' +
  '(the container can open every device node it has or can create)';

export interface V2ManagerOptions {
  name: string;
  /** Path below `root`, shared by all containers. Default "skiff". */
  parent?: string;
  /** Mount point of the unified hierarchy. Default /sys/fs/cgroup. */
  root?: string;
  fs?: CgroupFs;
  kill?: KillFunction;
  timeouts?: CgroupTimeouts;
}

export class CgroupV2Manager implements CgroupManager {
  readonly specificationVersion = 'v1' as const;
  readonly cgroupVersion = 'v2' as const;
  readonly name: string;
  /** The container's cgroup directory. */
  readonly dir: string;

  private readonly root: string;
  private readonly levels: string[];
  private readonly fs: CgroupFs;
  private readonly kill: KillFunction;
  private readonly timeouts: Required<CgroupTimeouts>;
  /** Why a controller could not be enabled, for the NOT_SUPPORTED message of a later `set`. */
  private readonly enableFailures = new Map<string, string>();
  /** create() has made every level: set() does not make them again. */
  private created = false;

  constructor(options: V2ManagerOptions) {
    this.name = options.name;
    this.levels = checkCgroupPath(options.name, options.parent ?? 'skiff');
    this.root = options.root ?? '/sys/fs/cgroup';
    this.dir = join(this.root, ...this.levels);
    this.fs = options.fs ?? nodeCgroupFs;
    this.kill = options.kill ?? ((pid, signal) => process.kill(pid, signal));
    this.timeouts = { ...defaultTimeouts, ...options.timeouts };
  }

  private file(name: string) {
    return join(this.dir, name);
  }

  private has(name: string) {
    return this.fs.exists(this.file(name));
  }

  paths(): Record<string, string> {
    return { unified: this.dir };
  }

  procsFiles(): string[] {
    return [this.file('cgroup.procs')];
  }

  joinFiles(): string[] {
    return this.procsFiles();
  }

  /** Enable in `dir`'s cgroup.subtree_control each wanted controller that `dir` offers and has not enabled. */
  private enableControllers(dir: string): void {
    const words = (file: string) => readText(this.fs, join(dir, file)).trim().split(/\s+/).filter(Boolean);
    const available = new Set(words('cgroup.controllers'));
    const enabled = new Set(words('cgroup.subtree_control'));
    for (const controller of V2_CONTROLLERS) {
      if (!available.has(controller) || enabled.has(controller)) continue;
      try {
        this.fs.writeFile(join(dir, 'cgroup.subtree_control'), `+${controller}`);
      } catch (error) {
        // Typically EBUSY: `dir` holds processes itself. The limit needing it will report NOT_SUPPORTED.
        this.enableFailures.set(controller, systemError(`enable +${controller} in ${dir}/cgroup.subtree_control`, error).message);
      }
    }
  }

  async create(): Promise<void> {
    let dir = this.root;
    for (const level of this.levels) {
      this.enableControllers(dir);
      dir = join(dir, level);
      try {
        this.fs.mkdir(dir);
      } catch (error) {
        throw systemError(`create cgroup ${dir}`, error);
      }
    }
    this.created = true;
  }

  async apply(pid: number): Promise<void> {
    if (pid !== -1) checkPid(pid);
    await this.create();
    if (pid === -1) return;
    try {
      this.fs.writeFile(this.file('cgroup.procs'), String(pid));
    } catch (error) {
      if (errnoOf(error) === 'ESRCH') throw new CgroupError('NOT_FOUND', `process ${pid} does not exist`, { cause: error });
      throw systemError(`add process ${pid} to ${this.file('cgroup.procs')}`, error);
    }
  }

  /** The file for a limit, or NOT_SUPPORTED naming the missing controller and why it is missing. */
  private limitFile(name: string, controller: string, what: string): string {
    if (this.has(name)) return this.file(name);
    const offered = readText(this.fs, join(dirname(this.dir), 'cgroup.controllers')).trim();
    const why =
      this.enableFailures.get(controller) ??
      `the ${controller} controller is not available in ${dirname(this.dir)} (cgroup.controllers: "${offered}")` +
        (offered === '' ? '; on a hybrid host the controllers are bound to cgroup v1' : '');
    throw new CgroupError('NOT_SUPPORTED', `cannot set ${what}: ${why}`);
  }

  async set(resources: Resources): Promise<SetResult> {
    checkResources(resources);
    const warnings: string[] = [];
    if (!this.created) await this.create();
    const r = resources;
    if (r.memory !== undefined) writeText(this.fs, this.limitFile('memory.max', 'memory', 'the memory limit'), maxValue(r.memory));
    const swap = swapMaxValue(r.memory, r.memorySwap);
    if (swap !== undefined) {
      if (this.has('memory.swap.max')) writeText(this.fs, this.file('memory.swap.max'), swap);
      else if (this.has('memory.max')) {
        if (swap !== 'max') warnings.push('the kernel does not account swap (memory.swap.max missing): memory is limited but swap is not');
      } else this.limitFile('memory.swap.max', 'memory', 'the swap limit');
    }
    if (r.cpuShares !== undefined) {
      writeText(this.fs, this.limitFile('cpu.weight', 'cpu', 'the CPU weight'), sharesToWeight(r.cpuShares));
    }
    const cpuMax = cpuMaxValue(r.cpuQuota, r.cpuPeriod);
    if (cpuMax !== undefined) writeText(this.fs, this.limitFile('cpu.max', 'cpu', 'the CPU limit'), cpuMax);
    if (r.cpusetCpus !== undefined) writeText(this.fs, this.limitFile('cpuset.cpus', 'cpuset', 'the cpuset'), r.cpusetCpus);
    if (r.cpusetMems !== undefined) writeText(this.fs, this.limitFile('cpuset.mems', 'cpuset', 'the cpuset'), r.cpusetMems);
    if (r.pidsLimit !== undefined) writeText(this.fs, this.limitFile('pids.max', 'pids', 'the pids limit'), maxValue(r.pidsLimit));
    if (r.cpuRtRuntime !== undefined || r.cpuRtPeriod !== undefined) {
      throw new CgroupError('NOT_SUPPORTED', 'cannot set the real-time CPU budget: cgroup v2 has no real-time group scheduling (--cpu-rt-runtime, --cpu-rt-period)');
    }
    if (r.memoryReservation !== undefined) writeText(this.fs, this.limitFile('memory.low', 'memory', 'the memory reservation'), r.memoryReservation);
    if (r.memorySwappiness !== undefined) warnings.push('cgroup v2 has no per-cgroup swappiness: --memory-swappiness discarded');
    if (r.blkio?.weight !== undefined) {
      const file = this.has('io.bfq.weight') ? 'io.bfq.weight' : 'io.weight';
      writeText(this.fs, this.limitFile(file, 'io', 'the block I/O weight'), blkioWeightToIoWeight(r.blkio.weight));
    }
    for (const d of r.blkio?.weightDevice ?? []) {
      writeText(this.fs, this.limitFile('io.weight', 'io', 'a per-device block I/O weight'), `${d.major}:${d.minor} ${blkioWeightToIoWeight(d.value)}`);
    }
    for (const line of r.blkio ? ioMaxLines(r.blkio) : []) writeText(this.fs, this.limitFile('io.max', 'io', 'the block I/O throttle'), line);
    if (r.devices !== undefined && r.devices !== 'unrestricted') warnings.push(noDeviceRulesWarning);
    if (r.oomKillDisable) warnings.push('cgroup v2 has no switch to disable the OOM killer: --oom-kill-disable discarded');
    return { warnings };
  }

  async getPids(): Promise<number[]> {
    return collectPids(this.fs, [this.dir]);
  }

  private events(): Map<string, string> {
    return parseKeyed(readText(this.fs, this.file('cgroup.events')));
  }

  private async setFrozen(frozen: boolean): Promise<void> {
    if (!this.fs.exists(this.dir)) throw new CgroupError('NOT_FOUND', `cgroup ${this.dir} does not exist`);
    if (!this.has('cgroup.freeze')) {
      throw new CgroupError('NOT_SUPPORTED', 'cannot freeze: this kernel has no cgroup.freeze (cgroup v2 freezer needs Linux 5.2)');
    }
    const want = frozen ? '1' : '0';
    writeText(this.fs, this.file('cgroup.freeze'), want);
    const done = await pollUntil(() => this.events().get('frozen') === want, this.timeouts.freezeMs, { intervalMs: 2 });
    if (done) return;
    if (frozen) writeText(this.fs, this.file('cgroup.freeze'), '0');
    throw new CgroupError('UNAVAILABLE', `cgroup ${this.dir} did not ${frozen ? 'freeze' : 'thaw'} within ${this.timeouts.freezeMs} ms`);
  }

  freeze(): Promise<void> {
    return this.setFrozen(true);
  }

  thaw(): Promise<void> {
    return this.setFrozen(false);
  }

  async stats(): Promise<CgroupStats> {
    const warnings: string[] = [];
    const read = (name: string) => readText(this.fs, this.file(name));
    const exists = this.fs.exists(this.dir);
    let memory: MemoryStats | null = null;
    if (exists && this.has('memory.current')) {
      const swapAccounting = this.has('memory.swap.max');
      memory = {
        usage: parseCounter(read('memory.current')),
        maxUsage: this.has('memory.peak') ? parseCounter(read('memory.peak')) : null,
        limit: parseLimit(read('memory.max')),
        swapAccounting,
        swapLimit: swapAccounting ? parseLimit(read('memory.swap.max')) : null,
        oomKills: Number(parseKeyed(read('memory.events')).get('oom_kill') ?? 0),
        failCount: null,
      };
      if (!swapAccounting) warnings.push('the kernel does not account swap (memory.swap.max missing)');
    } else warnings.push('memory statistics unavailable: the memory controller is not enabled for this cgroup');
    // cpu.stat's usage_usec is kept by the core even without the cpu controller.
    const usage = exists && this.has('cpu.stat') ? parseKeyed(read('cpu.stat')).get('usage_usec') : undefined;
    const cpu = usage === undefined ? null : { usageNs: Number(usage) * 1000 };
    if (cpu === null) warnings.push('CPU statistics unavailable: no cpu.stat');
    const pids =
      exists && this.has('pids.current') ? { current: parseCounter(read('pids.current')), limit: parseLimit(read('pids.max')) } : null;
    if (pids === null) warnings.push('pids statistics unavailable: the pids controller is not enabled for this cgroup');
    return { memory, cpu, pids, warnings };
  }

  async oomKilled(): Promise<boolean> {
    if (!this.has('memory.events')) return false;
    return Number(parseKeyed(readText(this.fs, this.file('memory.events'))).get('oom_kill') ?? 0) > 0;
  }

  async killAll(): Promise<void> {
    if (collectPids(this.fs, [this.dir]).length === 0) return;
    if (this.has('cgroup.kill')) {
      // Linux 5.14+: the kernel kills the whole subtree, forks included, in one step.
      writeText(this.fs, this.file('cgroup.kill'), '1');
    } else {
      let frozen = false;
      if (this.has('cgroup.freeze')) {
        try {
          await this.freeze();
          frozen = true;
        } catch {
          // The kill loop in waitEmpty catches what a failed freeze let through.
        }
      }
      try {
        killPids(this.kill, collectPids(this.fs, [this.dir]));
      } finally {
        if (frozen) await this.thaw();
      }
    }
    await waitEmpty(this.fs, this.kill, [this.dir], this.timeouts.emptyMs);
  }

  async destroy(): Promise<void> {
    if (!this.fs.exists(this.dir)) return;
    if (collectPids(this.fs, [this.dir]).length > 0) await this.killAll();
    await removeCgroupTree(this.fs, this.dir, this.timeouts.removeMs);
  }
}

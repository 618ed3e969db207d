/**
 * A fake cgroupfs in a temp directory, for unit tests without root. Real directories and files, with the
 * kernel rules the managers depend on imitated in `writeFile`/`mkdir`/`rmdir`:
 *
 * - mkdir populates a new cgroup's interface files (v1: per controller of the hierarchy, cpuset.cpus/mems
 *   EMPTY; v2: core files plus those of the controllers the parent enabled in cgroup.subtree_control);
 * - writing a file that does not exist fails ENOENT (cgroupfs has no O_CREAT);
 * - cgroup.procs: ENOSPC in a v1 cpuset with empty cpus/mems; a pid lives in one cgroup per hierarchy;
 * - v1 memory: EINVAL when limit_in_bytes would exceed memsw.limit_in_bytes or the reverse;
 * - v1 devices: devices.list follows "a" written to devices.deny/allow and allowed rules (a single deny rule is not modelled);
 * - v2: "+ctrl" in cgroup.subtree_control must be in cgroup.controllers; cgroup.freeze updates cgroup.events;
 *   cgroup.kill empties the subtree;
 * - rmdir: EBUSY while processes or child cgroups remain.
 *
 * Every successful write is logged in order (`writes`), relative to the fake root.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { nodeCgroupFs, type CgroupFs } from '../fs.js';

const V1_UNLIMITED = '9223372036854771712';

export interface FakeV1Options {
  /** Hierarchy directory names under the root, each with its controllers, e.g. { 'cpu,cpuacct': ['cpu','cpuacct'] }. */
  hierarchies: Record<string, string[]>;
  swapAccounting?: boolean;
  hostCpus?: string;
  hostMems?: string;
}

export interface FakeV2Options {
  /** What the root's cgroup.controllers offers; [] imitates a hybrid host's empty unified mount. */
  controllers: string[];
  swapAccounting?: boolean;
  /** Whether cgroup.kill exists (Linux 5.14+). */
  kill?: boolean;
}

const sysError = (errno: string, path: string) => Object.assign(new Error(`${errno}: fake cgroupfs, ${path}`), { code: errno });

export class FakeCgroupFs implements CgroupFs {
  readonly root: string;
  readonly writes: string[] = [];
  readonly killed: number[] = [];
  /** Next write to a path ending with the key fails once with the errno. */
  readonly failOnce = new Map<string, string>();
  private readonly hierarchyOf = new Map<string, string[]>();

  constructor(
    readonly mode: { v1: FakeV1Options } | { v2: FakeV2Options },
    root = mkdtempSync(join(tmpdir(), 'skiff-fake-cgroupfs-')),
  ) {
    this.root = root;
    if ('v1' in mode) {
      for (const [dir, controllers] of Object.entries(mode.v1.hierarchies)) {
        const path = join(root, dir);
        mkdirSync(path, { recursive: true });
        this.hierarchyOf.set(path, controllers);
        this.populateV1(path, controllers, true);
      }
    } else {
      const options = mode.v2;
      mkdirSync(root, { recursive: true });
      this.put(root, 'cgroup.controllers', options.controllers.join(' '));
      this.put(root, 'cgroup.subtree_control', '');
      this.put(root, 'cgroup.procs', '');
      this.put(root, 'cpu.stat', 'usage_usec 0\nuser_usec 0\nsystem_usec 0\n');
    }
  }

  /** Remove the temp directory. */
  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  /** Absolute path of `relativePath` under the fake root. */
  path(relativePath: string): string {
    return join(this.root, relativePath);
  }

  read(relativePath: string): string {
    return nodeCgroupFs.readFile(this.path(relativePath));
  }

  /** Overwrite a file as the kernel would (a counter going up, say); not logged. */
  poke(relativePath: string, content: string): void {
    writeFileSync(this.path(relativePath), content);
  }

  /** Put `pid` into a cgroup directly, as a fork inside it would. */
  addProcess(relativeDir: string, pid: number): void {
    const file = this.path(join(relativeDir, 'cgroup.procs'));
    writeFileSync(file, nodeCgroupFs.readFile(file) + `${pid}\n`);
  }

  /** A KillFunction for the managers: records the pid and removes it from every cgroup.procs. */
  readonly kill = (pid: number): void => {
    this.killed.push(pid);
    this.removePidEverywhere(this.root, pid);
  };

  private put(dir: string, file: string, content: string) {
    writeFileSync(join(dir, file), content);
  }

  private populateV1(dir: string, controllers: string[], isRoot: boolean) {
    const swap = 'v1' in this.mode && this.mode.v1.swapAccounting !== false;
    this.put(dir, 'cgroup.procs', '');
    this.put(dir, 'tasks', '');
    for (const controller of controllers) {
      switch (controller) {
        case 'cpuset': {
          const options = 'v1' in this.mode ? this.mode.v1 : undefined;
          this.put(dir, 'cpuset.cpus', isRoot ? (options?.hostCpus ?? '0-3') : '');
          this.put(dir, 'cpuset.mems', isRoot ? (options?.hostMems ?? '0') : '');
          break;
        }
        case 'cpu':
          this.put(dir, 'cpu.shares', '1024');
          this.put(dir, 'cpu.cfs_period_us', '100000');
          this.put(dir, 'cpu.cfs_quota_us', '-1');
          this.put(dir, 'cpu.rt_period_us', '1000000');
          this.put(dir, 'cpu.rt_runtime_us', isRoot ? '950000' : '0');
          break;
        case 'cpuacct':
          this.put(dir, 'cpuacct.usage', '0');
          break;
        case 'memory':
          this.put(dir, 'memory.limit_in_bytes', V1_UNLIMITED);
          this.put(dir, 'memory.usage_in_bytes', '0');
          this.put(dir, 'memory.max_usage_in_bytes', '0');
          this.put(dir, 'memory.failcnt', '0');
          this.put(dir, 'memory.soft_limit_in_bytes', V1_UNLIMITED);
          this.put(dir, 'memory.swappiness', '60');
          this.put(dir, 'memory.oom_control', 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
          if (swap) this.put(dir, 'memory.memsw.limit_in_bytes', V1_UNLIMITED);
          break;
        case 'pids':
          if (!isRoot) {
            this.put(dir, 'pids.max', 'max');
            this.put(dir, 'pids.current', '0');
          }
          break;
        case 'freezer':
          if (!isRoot) this.put(dir, 'freezer.state', 'THAWED');
          break;
        case 'blkio':
          if (!isRoot) {
            this.put(dir, 'blkio.bfq.weight', 'default 100\n');
            this.put(dir, 'blkio.bfq.weight_device', '');
          }
          for (const kind of ['read_bps', 'write_bps', 'read_iops', 'write_iops']) this.put(dir, `blkio.throttle.${kind}_device`, '');
          break;
        case 'devices':
          this.put(dir, 'devices.list', 'a *:* rwm\n');
          this.put(dir, 'devices.allow', '');
          this.put(dir, 'devices.deny', '');
          break;
      }
    }
  }

  private populateV2(dir: string) {
    const options = this.v2Options();
    const enabled = this.words(join(dirname(dir), 'cgroup.subtree_control'));
    this.put(dir, 'cgroup.controllers', enabled.join(' '));
    this.put(dir, 'cgroup.subtree_control', '');
    this.put(dir, 'cgroup.procs', '');
    this.put(dir, 'cgroup.events', 'populated 0\nfrozen 0\n');
    this.put(dir, 'cgroup.freeze', '0');
    if (options.kill !== false) this.put(dir, 'cgroup.kill', '');
    this.put(dir, 'cpu.stat', 'usage_usec 0\nuser_usec 0\nsystem_usec 0\n');
    for (const controller of enabled) this.populateV2Controller(dir, controller);
  }

  private v2Options(): FakeV2Options {
    return 'v2' in this.mode ? this.mode.v2 : { controllers: [] };
  }

  private words(file: string): string[] {
    return nodeCgroupFs.readFile(file).trim().split(/\s+/).filter(Boolean);
  }

  /** The interface files a controller adds to a v2 cgroup once its parent enables it. */
  private populateV2Controller(dir: string, controller: string) {
    switch (controller) {
      case 'memory':
        this.put(dir, 'memory.max', 'max');
        this.put(dir, 'memory.current', '0');
        this.put(dir, 'memory.peak', '0');
        this.put(dir, 'memory.low', '0');
        this.put(dir, 'memory.events', 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n');
        if (this.v2Options().swapAccounting !== false) this.put(dir, 'memory.swap.max', 'max');
        break;
      case 'cpu':
        this.put(dir, 'cpu.max', 'max 100000');
        this.put(dir, 'cpu.weight', '100');
        break;
      case 'io':
        this.put(dir, 'io.weight', 'default 100\n');
        this.put(dir, 'io.max', '');
        break;
      case 'cpuset':
        this.put(dir, 'cpuset.cpus', '');
        this.put(dir, 'cpuset.mems', '');
        break;
      case 'pids':
        this.put(dir, 'pids.max', 'max');
        this.put(dir, 'pids.current', '0');
        break;
    }
  }

  /** The v1 hierarchy root containing `path`, with its controllers. */
  private hierarchy(path: string): [string, string[]] | undefined {
    for (const [dir, controllers] of this.hierarchyOf) {
      if (path === dir || path.startsWith(`${dir}/`)) return [dir, controllers];
    }
    return undefined;
  }

  private removePidEverywhere(dir: string, pid: number) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) this.removePidEverywhere(path, pid);
      else if (entry.name === 'cgroup.procs') {
        const pids = nodeCgroupFs.readFile(path).split('\n').filter((line) => line !== '' && Number(line) !== pid);
        writeFileSync(path, pids.map((p) => `${p}\n`).join(''));
      }
    }
  }

  readFile(path: string): string {
    return nodeCgroupFs.readFile(path);
  }

  exists(path: string): boolean {
    return nodeCgroupFs.exists(path);
  }

  listDirs(path: string): string[] {
    return nodeCgroupFs.listDirs(path);
  }

  writeFile(path: string, data: string): void {
    for (const [suffix, errno] of this.failOnce) {
      if (path.endsWith(suffix)) {
        this.failOnce.delete(suffix);
        throw sysError(errno, path);
      }
    }
    if (!nodeCgroupFs.exists(path)) throw sysError('ENOENT', path);
    const dir = dirname(path);
    const file = basename(path);
    const read = (name: string) => nodeCgroupFs.readFile(join(dir, name)).trim();
    let content = data;
    switch (file) {
      case 'cgroup.procs': {
        if (!/^\d+$/.test(data)) throw sysError('EINVAL', path);
        const hierarchy = this.hierarchy(dir);
        if (hierarchy?.[1].includes('cpuset') && (read('cpuset.cpus') === '' || read('cpuset.mems') === '')) {
          throw sysError('ENOSPC', path);
        }
        this.removePidEverywhere(hierarchy?.[0] ?? this.root, Number(data));
        content = nodeCgroupFs.readFile(path) + `${data}\n`;
        break;
      }
      case 'memory.limit_in_bytes':
      case 'memory.memsw.limit_in_bytes': {
        const value = data === '-1' ? BigInt(V1_UNLIMITED) : BigInt(data);
        content = String(value);
        const swapFile = join(dir, 'memory.memsw.limit_in_bytes');
        if (nodeCgroupFs.exists(swapFile)) {
          const memory = file === 'memory.limit_in_bytes' ? value : BigInt(read('memory.limit_in_bytes'));
          const swap = file === 'memory.limit_in_bytes' ? BigInt(read('memory.memsw.limit_in_bytes')) : value;
          if (memory > swap) throw sysError('EINVAL', path);
        }
        break;
      }
      case 'cgroup.subtree_control': {
        const offered = read('cgroup.controllers').split(/\s+/);
        const enabled = new Set(read('cgroup.subtree_control').split(/\s+/).filter(Boolean));
        for (const word of data.trim().split(/\s+/)) {
          const name = word.slice(1);
          if (!offered.includes(name)) throw sysError('ENOENT', path);
          if (word.startsWith('+')) enabled.add(name);
          else enabled.delete(name);
        }
        content = [...enabled].join(' ');
        // Children see the change at once: their cgroup.controllers and the controllers' interface files.
        for (const child of nodeCgroupFs.listDirs(dir)) {
          const childDir = join(dir, child);
          for (const name of enabled) {
            if (!this.words(join(childDir, 'cgroup.controllers')).includes(name)) this.populateV2Controller(childDir, name);
          }
          writeFileSync(join(childDir, 'cgroup.controllers'), [...enabled].join(' '));
        }
        break;
      }
      case 'devices.deny':
      case 'devices.allow': {
        // The kernel's list: "a" to deny forgets every rule, "a" to allow allows all, a rule is added.
        const list = nodeCgroupFs.readFile(join(dir, 'devices.list'));
        let next = list;
        if (data === 'a') next = file === 'devices.deny' ? '' : 'a *:* rwm\n';
        else if (file === 'devices.allow' && !list.startsWith('a ')) next = list + `${data}\n`;
        writeFileSync(join(dir, 'devices.list'), next);
        break;
      }
      case 'cgroup.freeze':
        writeFileSync(join(dir, 'cgroup.events'), `populated 0\nfrozen ${data.trim()}\n`);
        break;
      case 'cgroup.kill':
        for (const pid of this.pidsBelow(dir)) this.kill(pid);
        break;
    }
    writeFileSync(path, content);
    this.writes.push(`${relative(this.root, path)}=${data}`);
  }

  private pidsBelow(dir: string): number[] {
    const pids = nodeCgroupFs.readFile(join(dir, 'cgroup.procs')).split('\n').filter(Boolean).map(Number);
    for (const child of nodeCgroupFs.listDirs(dir)) pids.push(...this.pidsBelow(join(dir, child)));
    return pids;
  }

  mkdir(path: string): void {
    if (nodeCgroupFs.exists(path)) return;
    if (!nodeCgroupFs.exists(dirname(path))) throw sysError('ENOENT', path);
    mkdirSync(path);
    const hierarchy = this.hierarchy(path);
    if (hierarchy) this.populateV1(path, hierarchy[1], false);
    else this.populateV2(path);
  }

  rmdir(path: string): void {
    if (!nodeCgroupFs.exists(path)) throw sysError('ENOENT', path);
    if (nodeCgroupFs.listDirs(path).length > 0) throw sysError('EBUSY', path);
    if (nodeCgroupFs.readFile(join(path, 'cgroup.procs')).trim() !== '') throw sysError('EBUSY', path);
    for (const file of readdirSync(path)) unlinkSync(join(path, file));
    nodeCgroupFs.rmdir(path);
  }
}

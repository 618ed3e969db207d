import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_DEVICE_RULES, DEVICE_RULE, deviceRule } from '../devices.js';
import { CgroupError } from '../errors.js';
import { createCgroupManager } from '../factory.js';
import { FakeCgroupFs, type FakeV1Options } from '../testing/fake-cgroupfs.js';
import type { Resources } from '../types.js';
import { CgroupV1Manager, V1_CONTROLLERS, type V1ControllerName } from './manager.js';

const MiB = 1024 * 1024;
const fakes: FakeCgroupFs[] = [];
afterEach(() => {
  for (const fake of fakes.splice(0)) fake.cleanup();
});

/** This host's layout: every controller in its own hierarchy. */
const separate: Record<string, string[]> = Object.fromEntries(V1_CONTROLLERS.map((c) => [c, [c]]));

function setup(options: Partial<FakeV1Options> = {}, name = 'c1', parent = 'skiff') {
  const fake = new FakeCgroupFs({ v1: { hierarchies: separate, ...options } });
  fakes.push(fake);
  const mounts: Partial<Record<V1ControllerName, string>> = {};
  for (const [dir, controllers] of Object.entries(options.hierarchies ?? separate)) {
    for (const controller of controllers) mounts[controller as V1ControllerName] = fake.path(dir);
  }
  const manager = new CgroupV1Manager({
    name,
    parent,
    mounts,
    fs: fake,
    kill: fake.kill,
    timeouts: { freezeMs: 100, emptyMs: 200, removeMs: 100 },
  });
  return { fake, manager };
}

describe('CgroupV1Manager.create', () => {
  it('makes every hierarchy\'s directories and copies cpuset cpus/mems down level by level, parent first', async () => {
    const { fake, manager } = setup({ hostCpus: '0-1', hostMems: '0' });
    await manager.create();
    expect(fake.writes).toEqual([
      'cpuset/skiff/cpuset.cpus=0-1',
      'cpuset/skiff/cpuset.mems=0',
      'cpuset/skiff/c1/cpuset.cpus=0-1',
      'cpuset/skiff/c1/cpuset.mems=0',
    ]);
    for (const controller of V1_CONTROLLERS) expect(fake.exists(fake.path(`${controller}/skiff/c1`))).toBe(true);
    await manager.create();
    expect(fake.writes).toHaveLength(4); // idempotent: nothing copied twice
  });

  it('regression: a pid joins a new cpuset only after cpus/mems were copied down (ENOSPC otherwise)', async () => {
    const { fake, manager } = setup();
    // What a naive mkdir-and-join does: the kernel (and the fake) refuse with ENOSPC.
    fake.mkdir(fake.path('cpuset/naive'));
    expect(() => fake.writeFile(fake.path('cpuset/naive/cgroup.procs'), '4242')).toThrowError(/ENOSPC/);
    fake.rmdir(fake.path('cpuset/naive'));
    await manager.apply(4242);
    expect(fake.read('cpuset/skiff/c1/cgroup.procs')).toBe('4242\n');
  });

  it('repairs a shared parent that someone created with empty cpus/mems', async () => {
    const { fake, manager } = setup({ hostCpus: '0-3' });
    fake.mkdir(fake.path('cpuset/skiff')); // empty cpuset.cpus, as a bare mkdir leaves it
    await manager.apply(4242);
    expect(fake.read('cpuset/skiff/cpuset.cpus')).toBe('0-3');
  });

  it('creates nested parents', async () => {
    const { fake, manager } = setup({}, 'c1', 'skiff-test-x/skiff');
    await manager.create();
    expect(fake.writes.slice(0, 2)).toEqual(['cpuset/skiff-test-x/cpuset.cpus=0-3', 'cpuset/skiff-test-x/cpuset.mems=0']);
    expect(manager.paths().memory).toBe(fake.path('memory/skiff-test-x/skiff/c1'));
  });
});

describe('CgroupV1Manager.apply / procsFiles / paths', () => {
  it('writes the pid into the cgroup.procs of every hierarchy once (co-mounted cpu,cpuacct once)', async () => {
    const hierarchies = {
      'cpu,cpuacct': ['cpu', 'cpuacct'],
      cpuset: ['cpuset'],
      memory: ['memory'],
      pids: ['pids'],
      devices: ['devices'],
      freezer: ['freezer'],
    };
    const { fake, manager } = setup({ hierarchies });
    await manager.apply(4242);
    expect(fake.writes.filter((w) => w.includes('cgroup.procs'))).toEqual([
      'cpuset/skiff/c1/cgroup.procs=4242',
      'cpu,cpuacct/skiff/c1/cgroup.procs=4242',
      'memory/skiff/c1/cgroup.procs=4242',
      'pids/skiff/c1/cgroup.procs=4242',
      'devices/skiff/c1/cgroup.procs=4242',
      'freezer/skiff/c1/cgroup.procs=4242',
    ]);
    expect(manager.procsFiles()).toEqual(
      ['cpuset', 'cpu,cpuacct', 'memory', 'pids', 'devices', 'freezer'].map((d) => fake.path(`${d}/skiff/c1/cgroup.procs`)),
    );
    expect(manager.paths()).toEqual({
      cpuset: fake.path('cpuset/skiff/c1'),
      cpu: fake.path('cpu,cpuacct/skiff/c1'),
      cpuacct: fake.path('cpu,cpuacct/skiff/c1'),
      memory: fake.path('memory/skiff/c1'),
      pids: fake.path('pids/skiff/c1'),
      devices: fake.path('devices/skiff/c1'),
      freezer: fake.path('freezer/skiff/c1'),
    });
    expect(await manager.getPids()).toEqual([4242]);
  });

  it('joinFiles: the tasks file of every hierarchy once, for a thread joining itself', () => {
    const { fake, manager } = setup({ hierarchies: { 'cpu,cpuacct': ['cpu', 'cpuacct'], memory: ['memory'] } });
    expect(manager.joinFiles()).toEqual(['cpu,cpuacct', 'memory'].map((d) => fake.path(`${d}/skiff/c1/tasks`)));
  });

  it('set() after create() makes no directory again (one mkdir per level, one cpuset copy)', async () => {
    const { fake, manager } = setup();
    await manager.create();
    const writes = fake.writes.length;
    const mkdirSpy = vi.spyOn(fake, 'mkdir');
    await manager.set({ pidsLimit: 10 });
    expect(mkdirSpy).not.toHaveBeenCalled();
    expect(fake.writes.slice(writes)).toEqual(['pids/skiff/c1/pids.max=10']);
  });

  it('skips controllers that are not mounted', async () => {
    const { manager } = setup({ hierarchies: { memory: ['memory'], pids: ['pids'] } });
    expect(Object.keys(manager.paths())).toEqual(['memory', 'pids']);
    expect(manager.procsFiles()).toHaveLength(2);
  });

  it('apply(-1) only creates; the calling process and bad pids are refused', async () => {
    const { fake, manager } = setup();
    await manager.apply(-1);
    expect(fake.exists(fake.path('memory/skiff/c1'))).toBe(true);
    expect(fake.writes.some((w) => w.includes('cgroup.procs'))).toBe(false);
    await expect(manager.apply(process.pid)).rejects.toThrowError(/refusing to move the calling process/);
    await expect(manager.apply(0)).rejects.toThrowError(/invalid pid 0/);
    await expect(manager.apply(1.5)).rejects.toThrowError(/invalid pid/);
  });

  it('refuses names that would escape the parent', () => {
    const fake = new FakeCgroupFs({ v1: { hierarchies: { memory: ['memory'] } } });
    fakes.push(fake);
    const make = (name: string, parent?: string) => () =>
      new CgroupV1Manager({ name, parent, mounts: { memory: fake.path('memory') }, fs: fake });
    expect(make('../x')).toThrowError(/invalid cgroup name/);
    expect(make('a/b')).toThrowError(/invalid cgroup name/);
    expect(make('')).toThrowError(/invalid cgroup name/);
    expect(make('ok', '../up')).toThrowError(/invalid cgroup parent/);
    expect(make('ok', '/abs/skiff')).not.toThrow(); // leading slash is just a separator
  });
});

describe('CgroupV1Manager.set', () => {
  it('writes the memory reservation, swappiness and every blkio file, one device per write', async () => {
    const { fake, manager } = setup();
    await manager.create();
    fake.writes.length = 0;
    const device = (value: number) => [{ major: 8, minor: 0, value }];
    await manager.set({
      memoryReservation: 16 * MiB,
      memorySwappiness: 0,
      blkio: { weight: 300, weightDevice: device(200), readBps: device(1048576), writeBps: device(2097152), readIops: device(100), writeIops: device(200) },
    });
    expect(fake.writes).toEqual([
      'memory/skiff/c1/memory.soft_limit_in_bytes=16777216',
      'memory/skiff/c1/memory.swappiness=0',
      'blkio/skiff/c1/blkio.bfq.weight=300',
      'blkio/skiff/c1/blkio.bfq.weight_device=8:0 200',
      'blkio/skiff/c1/blkio.throttle.read_bps_device=8:0 1048576',
      'blkio/skiff/c1/blkio.throttle.write_bps_device=8:0 2097152',
      'blkio/skiff/c1/blkio.throttle.read_iops_device=8:0 100',
      'blkio/skiff/c1/blkio.throttle.write_iops_device=8:0 200',
    ]);
  });

  it('--cpu-rt-runtime: every parent level gets the budget first (outermost first), then the container', async () => {
    const { fake, manager } = setup({}, 'c1', 'outer/skiff');
    await manager.create();
    fake.writes.length = 0;
    await manager.set({ cpuRtPeriod: 1_000_000, cpuRtRuntime: 10_000 });
    expect(fake.writes).toEqual([
      'cpu/outer/cpu.rt_runtime_us=10000',
      'cpu/outer/skiff/cpu.rt_runtime_us=10000',
      'cpu/outer/skiff/c1/cpu.rt_period_us=1000000',
      'cpu/outer/skiff/c1/cpu.rt_runtime_us=10000',
    ]);
    fake.writes.length = 0;
    await manager.set({ cpuRtRuntime: 5_000 }); // the parents have enough already
    expect(fake.writes).toEqual(['cpu/outer/skiff/c1/cpu.rt_runtime_us=5000']);
    await expect(manager.set({ cpuRtRuntime: 2_000_000 })).rejects.toThrowError(/more than its period/);
  });

  it('refuses out-of-range blkio and swappiness values before writing anything', async () => {
    const { fake, manager } = setup();
    await manager.create();
    fake.writes.length = 0;
    await expect(manager.set({ blkio: { weight: 5 } })).rejects.toThrowError(/invalid blkio weight 5: expected 10..1000/);
    await expect(manager.set({ blkio: { readBps: [{ major: 8, minor: -1, value: 1 }] } })).rejects.toThrowError(/invalid blkio readBps minor -1/);
    await expect(manager.set({ memorySwappiness: 101 })).rejects.toThrowError(/invalid memorySwappiness 101/);
    expect(fake.writes).toEqual([]);
  });

  const all: Resources = {
    memory: 32 * MiB,
    memorySwap: 32 * MiB,
    cpuShares: 512,
    cpuQuota: 50_000,
    cpuPeriod: 100_000,
    cpusetCpus: '1',
    cpusetMems: '0',
    pidsLimit: 20,
  };

  it('writes every limit to its file with exact contents', async () => {
    const { fake, manager } = setup();
    await manager.create();
    fake.writes.length = 0;
    expect(await manager.set(all)).toEqual({ warnings: [] });
    expect(fake.writes).toEqual([
      'memory/skiff/c1/memory.limit_in_bytes=33554432',
      'memory/skiff/c1/memory.memsw.limit_in_bytes=33554432',
      'cpu/skiff/c1/cpu.shares=512',
      'cpu/skiff/c1/cpu.cfs_period_us=100000',
      'cpu/skiff/c1/cpu.cfs_quota_us=50000',
      'cpuset/skiff/c1/cpuset.cpus=1',
      'cpuset/skiff/c1/cpuset.mems=0',
      'pids/skiff/c1/pids.max=20',
    ]);
  });

  it('writes nothing for fields left undefined, and "max" for an unlimited pids limit', async () => {
    const { fake, manager } = setup();
    await manager.set({ pidsLimit: -1 });
    expect(fake.writes.filter((w) => !w.includes('cpuset.'))).toEqual(['pids/skiff/c1/pids.max=max']);
  });

  it('raising memory writes memsw first, lowering writes the limit first (kernel keeps limit <= memsw)', async () => {
    const { fake, manager } = setup();
    await manager.set({ memory: 32 * MiB, memorySwap: 32 * MiB });
    fake.writes.length = 0;
    await manager.set({ memory: 64 * MiB, memorySwap: 64 * MiB });
    expect(fake.writes).toEqual([
      'memory/skiff/c1/memory.memsw.limit_in_bytes=67108864',
      'memory/skiff/c1/memory.limit_in_bytes=67108864',
    ]);
    fake.writes.length = 0;
    await manager.set({ memory: 16 * MiB, memorySwap: 16 * MiB });
    expect(fake.writes).toEqual([
      'memory/skiff/c1/memory.limit_in_bytes=16777216',
      'memory/skiff/c1/memory.memsw.limit_in_bytes=16777216',
    ]);
    expect(fake.read('memory/skiff/c1/memory.limit_in_bytes')).toBe('16777216');
  });

  it('retries the other order when the kernel says EINVAL (a concurrent update made the chosen order wrong)', async () => {
    const { fake, manager } = setup();
    await manager.set({ memory: 32 * MiB, memorySwap: 64 * MiB });
    fake.writes.length = 0;
    // 32M → 48M raises: memsw goes first; make that write fail as if limit_in_bytes had changed meanwhile.
    fake.failOnce.set('memory.memsw.limit_in_bytes', 'EINVAL');
    await manager.set({ memory: 48 * MiB, memorySwap: 48 * MiB });
    expect(fake.writes).toEqual([
      'memory/skiff/c1/memory.limit_in_bytes=50331648',
      'memory/skiff/c1/memory.memsw.limit_in_bytes=50331648',
    ]);
  });

  it('reports one clear error when neither order is accepted', async () => {
    const { fake, manager } = setup();
    await manager.create();
    fake.failOnce.set('memory.limit_in_bytes', 'EINVAL');
    // Memory is still unlimited, so memsw cannot go first either: the kernel refuses both orders.
    const error = await manager.set({ memory: 32 * MiB, memorySwap: 48 * MiB }).catch((e: unknown) => e);
    expect(CgroupError.is(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/^cannot set memory limit 33554432 with memory\+swap limit 50331648 in .*: the kernel refused both orders \(EINVAL\)$/);
  });

  it('unlimited memory with swap unsaid unlimits memsw too, memsw first', async () => {
    const { fake, manager } = setup();
    await manager.set({ memory: 32 * MiB, memorySwap: 32 * MiB });
    fake.writes.length = 0;
    await manager.set({ memory: -1 });
    expect(fake.writes).toEqual(['memory/skiff/c1/memory.memsw.limit_in_bytes=-1', 'memory/skiff/c1/memory.limit_in_bytes=-1']);
  });

  it('without swap accounting: limits memory, warns, does not fail', async () => {
    const { fake, manager } = setup({ swapAccounting: false });
    const result = await manager.set({ memory: 32 * MiB, memorySwap: 32 * MiB });
    expect(result.warnings).toEqual([expect.stringContaining('the kernel does not account swap')]);
    expect(fake.writes.filter((w) => w.startsWith('memory/'))).toEqual(['memory/skiff/c1/memory.limit_in_bytes=33554432']);
    const stats = await manager.stats();
    expect(stats.memory?.swapAccounting).toBe(false);
    expect(stats.warnings).toEqual([expect.stringContaining('does not account swap')]);
  });

  it('a smaller period is retried after the quota when the kernel refuses it first (EINVAL)', async () => {
    const { fake, manager } = setup();
    await manager.create();
    fake.writes.length = 0;
    fake.failOnce.set('cpu.cfs_period_us', 'EINVAL');
    await manager.set({ cpuQuota: 25_000, cpuPeriod: 50_000 });
    expect(fake.writes).toEqual(['cpu/skiff/c1/cpu.cfs_quota_us=25000', 'cpu/skiff/c1/cpu.cfs_period_us=50000']);
  });

  it('says NOT_SUPPORTED when a limit needs an unmounted controller', async () => {
    const { manager } = setup({ hierarchies: { memory: ['memory'] } });
    const error = await manager.set({ pidsLimit: 5 }).catch((e: unknown) => e);
    expect(CgroupError.is(error, 'NOT_SUPPORTED')).toBe(true);
    expect((error as Error).message).toBe('cannot set the pids limit: the cgroup v1 pids controller is not mounted on this host');
  });

  it('rejects nonsense before writing anything', async () => {
    const { fake, manager } = setup();
    await expect(manager.set({ memory: 1.5 })).rejects.toThrowError(/invalid memory 1.5/);
    await expect(manager.set({ memory: 64 * MiB, memorySwap: 32 * MiB })).rejects.toThrowError(/memorySwap .* is smaller than memory/);
    await expect(manager.set({ cpusetCpus: 'all' })).rejects.toThrowError(/invalid cpusetCpus "all"/);
    await expect(manager.set({ cpuShares: 1 })).rejects.toThrowError(/invalid cpuShares 1/);
    expect(fake.writes).toEqual([]);
  });

  it('turns a kernel refusal into a one-line CgroupError naming file and errno', async () => {
    const { fake, manager } = setup();
    await manager.create();
    fake.failOnce.set('pids.max', 'EACCES');
    const error = await manager.set({ pidsLimit: 5 }).catch((e: unknown) => e);
    expect(CgroupError.is(error, 'PERMISSION_DENIED')).toBe(true);
    expect((error as CgroupError).message).toMatch(/^write "5" to .*\/pids\/skiff\/c1\/pids.max: EACCES/);
    expect((error as CgroupError).errno).toBe('EACCES');
  });
});

describe('CgroupV1Manager.set devices', () => {
  it("docker's default rules: deny all first, then one allow write per rule, in order", async () => {
    const { fake, manager } = setup();
    await manager.create();
    fake.writes.length = 0;
    const extra = deviceRule('c', 10, 229);
    expect(await manager.set({ devices: { allow: [...DEFAULT_DEVICE_RULES, extra] } })).toEqual({ warnings: [] });
    expect(fake.writes).toEqual([
      'devices/skiff/c1/devices.deny=a',
      ...DEFAULT_DEVICE_RULES.map((rule) => `devices/skiff/c1/devices.allow=${rule}`),
      'devices/skiff/c1/devices.allow=c 10:229 rwm',
    ]);
    expect(fake.read('devices/skiff/c1/devices.list')).toBe(`${[...DEFAULT_DEVICE_RULES, extra].join('\n')}\n`);
  });

  it('an empty allow list denies every device; unrestricted allows all again', async () => {
    const { fake, manager } = setup();
    await manager.set({ devices: { allow: [] } });
    expect(fake.read('devices/skiff/c1/devices.list')).toBe('');
    fake.writes.length = 0;
    await manager.set({ devices: 'unrestricted' });
    expect(fake.writes).toEqual(['devices/skiff/c1/devices.allow=a']);
    expect(fake.read('devices/skiff/c1/devices.list')).toBe('a *:* rwm\n');
  });

  it('refuses a malformed rule before writing anything', async () => {
    const { fake, manager } = setup();
    for (const rule of ['c 1:3', 'x 1:3 rwm', 'c 1:3 rwx', 'c a:3 r', 'c 1:3 rwm\nc 1:5 rwm', '']) {
      const error = await manager.set({ devices: { allow: ['c 1:5 rwm', rule] } }).catch((e: unknown) => e);
      expect(CgroupError.is(error, 'INVALID_ARGUMENT')).toBe(true);
    }
    expect(fake.writes).toEqual([]);
    for (const rule of ['a', 'b *:* m', 'c 136:* rwm', 'c 1:3 r']) expect(DEVICE_RULE.test(rule)).toBe(true);
  });

  it('says NOT_SUPPORTED when the devices controller is not mounted', async () => {
    const { manager } = setup({ hierarchies: { memory: ['memory'] } });
    const error = await manager.set({ devices: { allow: [] } }).catch((e: unknown) => e);
    expect(CgroupError.is(error, 'NOT_SUPPORTED')).toBe(true);
    expect((error as Error).message).toBe('cannot set the device rules: the cgroup v1 devices controller is not mounted on this host');
  });
});

describe('CgroupV1Manager freeze / stats / oomKilled', () => {
  it('freeze writes FROZEN and waits for it, thaw writes THAWED', async () => {
    const { fake, manager } = setup();
    await manager.create();
    fake.writes.length = 0;
    await manager.freeze();
    expect(fake.read('freezer/skiff/c1/freezer.state')).toBe('FROZEN');
    await manager.thaw();
    expect(fake.writes).toEqual(['freezer/skiff/c1/freezer.state=FROZEN', 'freezer/skiff/c1/freezer.state=THAWED']);
  });

  it('a freeze stuck in FREEZING times out, re-writes FROZEN meanwhile, and thaws again', async () => {
    const { fake, manager } = setup();
    await manager.create();
    const realRead = fake.readFile.bind(fake);
    fake.readFile = (path) => (path.endsWith('freezer.state') ? 'FREEZING\n' : realRead(path));
    fake.writes.length = 0;
    const error = await manager.freeze().catch((e: unknown) => e);
    expect(CgroupError.is(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(/did not reach FROZEN within 100 ms \(reads FREEZING\)/);
    expect(fake.writes.at(-1)).toBe('freezer/skiff/c1/freezer.state=THAWED');
  });

  it('freeze says NOT_SUPPORTED without a freezer hierarchy, NOT_FOUND before create', async () => {
    const { manager } = setup({ hierarchies: { memory: ['memory'] } });
    await expect(manager.freeze()).rejects.toThrowError(/freezer controller is not mounted/);
    const other = setup().manager;
    await expect(other.freeze()).rejects.toThrowError(/does not exist/);
  });

  it('reports stats from the controller files; the kernel\'s huge "no limit" value becomes null', async () => {
    const { fake, manager } = setup();
    await manager.set({ memory: 32 * MiB, memorySwap: 64 * MiB, pidsLimit: 9 });
    fake.poke('memory/skiff/c1/memory.usage_in_bytes', '1048576\n');
    fake.poke('memory/skiff/c1/memory.max_usage_in_bytes', '2097152\n');
    fake.poke('memory/skiff/c1/memory.failcnt', '3\n');
    fake.poke('memory/skiff/c1/memory.oom_control', 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    fake.poke('cpuacct/skiff/c1/cpuacct.usage', '123456789\n');
    fake.poke('pids/skiff/c1/pids.current', '4\n');
    expect(await manager.stats()).toEqual({
      memory: {
        usage: MiB,
        maxUsage: 2 * MiB,
        limit: 32 * MiB,
        swapAccounting: true,
        swapLimit: 64 * MiB,
        oomKills: 2,
        failCount: 3,
      },
      cpu: { usageNs: 123_456_789 },
      pids: { current: 4, limit: 9 },
      warnings: [],
    });
    await manager.set({ memory: -1 });
    expect((await manager.stats()).memory?.limit).toBeNull();
  });

  it('stats of a destroyed cgroup are null sections with warnings, not errors', async () => {
    const { manager } = setup();
    const stats = await manager.stats();
    expect(stats).toMatchObject({ memory: null, cpu: null, pids: null });
    expect(stats.warnings).toHaveLength(3);
  });

  it('oomKilled reads oom_kill of memory.oom_control, falling back to failcnt on old kernels', async () => {
    const { fake, manager } = setup();
    expect(await manager.oomKilled()).toBe(false); // no cgroup yet
    await manager.create();
    expect(await manager.oomKilled()).toBe(false);
    fake.poke('memory/skiff/c1/memory.failcnt', '7\n');
    expect(await manager.oomKilled()).toBe(false); // limit hits are not kills
    fake.poke('memory/skiff/c1/memory.oom_control', 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    expect(await manager.oomKilled()).toBe(true);
    fake.poke('memory/skiff/c1/memory.oom_control', 'oom_kill_disable 0\nunder_oom 0\n'); // before Linux 4.13
    expect(await manager.oomKilled()).toBe(true);
  });
});

describe('CgroupV1Manager killAll / destroy', () => {
  it('killAll freezes, SIGKILLs every pid (descendant cgroups too), thaws, and waits until empty', async () => {
    const { fake, manager } = setup();
    await manager.apply(101);
    fake.mkdir(fake.path('memory/skiff/c1/nested'));
    fake.addProcess('memory/skiff/c1/nested', 102);
    expect(await manager.getPids()).toEqual([101, 102]);
    fake.writes.length = 0;
    await manager.killAll();
    expect(fake.killed).toEqual([101, 102]);
    expect(fake.writes).toEqual(['freezer/skiff/c1/freezer.state=FROZEN', 'freezer/skiff/c1/freezer.state=THAWED']);
    expect(await manager.getPids()).toEqual([]);
  });

  it('killAll without a freezer falls back to the kill loop; an empty or missing cgroup resolves at once', async () => {
    const { fake, manager } = setup({ hierarchies: { memory: ['memory'], pids: ['pids'] } });
    await manager.killAll();
    await manager.apply(101);
    await manager.killAll();
    expect(fake.killed).toEqual([101]);
  });

  it('killAll gives up with UNAVAILABLE when a process will not die', async () => {
    const { fake, manager } = setup();
    await manager.apply(101);
    const stubborn = new CgroupV1Manager({
      name: 'c1',
      mounts: Object.fromEntries(V1_CONTROLLERS.map((c) => [c, fake.path(c)])),
      fs: fake,
      kill: () => {},
      timeouts: { freezeMs: 100, emptyMs: 50 },
    });
    await expect(stubborn.killAll()).rejects.toThrowError(/processes 101 are still in cgroup/);
  });

  it('destroy kills stray processes, removes every hierarchy deepest first, keeps the parent, and is idempotent', async () => {
    const { fake, manager } = setup();
    await manager.apply(101);
    fake.mkdir(fake.path('cpu/skiff/c1/sub'));
    await manager.destroy();
    expect(fake.killed).toEqual([101]);
    for (const controller of V1_CONTROLLERS) {
      expect(fake.exists(fake.path(`${controller}/skiff/c1`))).toBe(false);
      expect(fake.exists(fake.path(`${controller}/skiff`))).toBe(true);
    }
    await expect(manager.destroy()).resolves.toBeUndefined();
    expect(await manager.getPids()).toEqual([]);
  });
});

describe('createCgroupManager on a fake v1 root', () => {
  it('finds co-mounted hierarchies through mountinfo and builds a v1 manager', async () => {
    const fake = new FakeCgroupFs({ v1: { hierarchies: { 'cpu,cpuacct': ['cpu', 'cpuacct'], memory: ['memory'] } } });
    fakes.push(fake);
    const mountinfo = [
      `30 22 0:27 / ${fake.root} rw - tmpfs tmpfs rw`,
      `31 30 0:28 / ${fake.path('cpu,cpuacct')} rw - cgroup cgroup rw,cpu,cpuacct`,
      `34 30 0:31 / ${fake.path('memory')} rw - cgroup cgroup rw,memory`,
      `40 30 0:37 / ${fake.path('unified')} rw - cgroup2 cgroup2 rw`,
    ].join('\n');
    const manager = createCgroupManager({ name: 'c9', root: fake.root, mountinfo, fs: fake, kill: fake.kill });
    expect(manager.cgroupVersion).toBe('v1');
    expect(manager.paths()).toEqual({
      cpu: fake.path('cpu,cpuacct/skiff/c9'),
      cpuacct: fake.path('cpu,cpuacct/skiff/c9'),
      memory: fake.path('memory/skiff/c9'),
    });
    await manager.set({ cpuShares: 256, memory: 8 * MiB });
    expect(fake.read('cpu,cpuacct/skiff/c9/cpu.shares')).toBe('256');
    await manager.destroy();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { CgroupError } from '../errors.js';
import { createCgroupManager } from '../factory.js';
import { FakeCgroupFs, type FakeV2Options } from '../testing/fake-cgroupfs.js';
import { cpuMaxValue, maxValue, sharesToWeight, swapMaxValue } from './convert.js';
import { CgroupV2Manager, noDeviceRulesWarning } from './manager.js';

const MiB = 1024 * 1024;
const fakes: FakeCgroupFs[] = [];
afterEach(() => {
  for (const fake of fakes.splice(0)) fake.cleanup();
});

function setup(options: Partial<FakeV2Options> = {}, parent = 'skiff') {
  const fake = new FakeCgroupFs({ v2: { controllers: ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids'], ...options } });
  fakes.push(fake);
  const manager = new CgroupV2Manager({
    name: 'c1',
    parent,
    root: fake.root,
    fs: fake,
    kill: fake.kill,
    timeouts: { freezeMs: 100, emptyMs: 200, removeMs: 100 },
  });
  return { fake, manager };
}

describe('v2 conversions', () => {
  it('cpu.shares → cpu.weight with the runc/crun formula', () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(512)).toBe(20);
    expect(sharesToWeight(262_144)).toBe(10_000);
  });

  it('memory+swap total → memory.swap.max = swap alone', () => {
    expect(swapMaxValue(32 * MiB, 32 * MiB)).toBe('0');
    expect(swapMaxValue(32 * MiB, 96 * MiB)).toBe(String(64 * MiB));
    expect(swapMaxValue(32 * MiB, -1)).toBe('max');
    expect(swapMaxValue(-1, undefined)).toBe('max');
    expect(swapMaxValue(32 * MiB, undefined)).toBeUndefined();
    expect(swapMaxValue(undefined, undefined)).toBeUndefined();
    expect(() => swapMaxValue(undefined, 64 * MiB)).toThrowError(/without a memory limit/);
    expect(() => swapMaxValue(64 * MiB, 32 * MiB)).toThrowError(/smaller than memory limit/);
  });

  it('quota/period → cpu.max', () => {
    expect(cpuMaxValue(50_000, 100_000)).toBe('50000 100000');
    expect(cpuMaxValue(-1, 100_000)).toBe('max 100000');
    expect(cpuMaxValue(50_000, undefined)).toBe('50000');
    expect(cpuMaxValue(undefined, 100_000)).toBe('max 100000');
    expect(cpuMaxValue(undefined, undefined)).toBeUndefined();
  });

  it('unlimited is "max"', () => {
    expect(maxValue(-1)).toBe('max');
    expect(maxValue(0)).toBe('max');
    expect(maxValue(20)).toBe('20');
  });
});

describe('CgroupV2Manager.create', () => {
  it('enables only the wanted, offered controllers in each parent\'s subtree_control, never in the leaf', async () => {
    const { fake, manager } = setup();
    await manager.create();
    expect(fake.writes).toEqual([
      'cgroup.subtree_control=+cpuset',
      'cgroup.subtree_control=+cpu',
      'cgroup.subtree_control=+memory',
      'cgroup.subtree_control=+pids',
      'cgroup.subtree_control=+io',
      'skiff/cgroup.subtree_control=+cpuset',
      'skiff/cgroup.subtree_control=+cpu',
      'skiff/cgroup.subtree_control=+memory',
      'skiff/cgroup.subtree_control=+pids',
      'skiff/cgroup.subtree_control=+io',
    ]);
    expect(fake.read('skiff/c1/cgroup.controllers')).toBe('cpuset cpu memory pids io');
    expect(fake.read('skiff/c1/cgroup.subtree_control')).toBe('');
    fake.writes.length = 0;
    await manager.create();
    expect(fake.writes).toEqual([]); // already enabled: nothing rewritten
  });

  it('skips controllers the parent does not offer', async () => {
    const { fake, manager } = setup({ controllers: ['memory', 'hugetlb'] });
    await manager.create();
    expect(fake.writes).toEqual(['cgroup.subtree_control=+memory', 'skiff/cgroup.subtree_control=+memory']);
  });

  it('on a hybrid host\'s empty unified hierarchy writes no subtree_control at all', async () => {
    const { fake, manager } = setup({ controllers: [] });
    await manager.apply(4242);
    expect(fake.writes).toEqual(['skiff/c1/cgroup.procs=4242']);
  });
});

describe('CgroupV2Manager apply / paths / procsFiles', () => {
  it('writes the pid into the one cgroup.procs', async () => {
    const { fake, manager } = setup();
    await manager.apply(4242);
    expect(fake.writes.at(-1)).toBe('skiff/c1/cgroup.procs=4242');
    expect(manager.procsFiles()).toEqual([fake.path('skiff/c1/cgroup.procs')]);
    expect(manager.paths()).toEqual({ unified: fake.path('skiff/c1') });
    expect(await manager.getPids()).toEqual([4242]);
    await expect(manager.apply(process.pid)).rejects.toThrowError(/refusing to move the calling process/);
  });
});

describe('CgroupV2Manager.set', () => {
  it('writes the reservation to memory.low and blkio as io.weight / io.max lines; swappiness is a warning', async () => {
    const { fake, manager } = setup();
    await manager.create();
    fake.writes.length = 0;
    const result = await manager.set({
      memoryReservation: 16 * MiB,
      memorySwappiness: 10,
      blkio: { weight: 10, weightDevice: [{ major: 8, minor: 0, value: 1000 }], readBps: [{ major: 8, minor: 0, value: 100 }], writeIops: [{ major: 8, minor: 0, value: 7 }] },
    });
    expect(fake.writes).toEqual([
      'skiff/c1/memory.low=16777216',
      'skiff/c1/io.weight=1',
      'skiff/c1/io.weight=8:0 10000',
      'skiff/c1/io.max=8:0 rbps=100 wiops=7',
    ]);
    expect(result.warnings).toEqual(['cgroup v2 has no per-cgroup swappiness: --memory-swappiness discarded']);
  });

  it('converts and writes every limit with exact contents', async () => {
    const { fake, manager } = setup();
    await manager.create();
    fake.writes.length = 0;
    const result = await manager.set({
      memory: 32 * MiB,
      memorySwap: 96 * MiB,
      cpuShares: 1024,
      cpuQuota: 50_000,
      cpuPeriod: 100_000,
      cpusetCpus: '0-1',
      cpusetMems: '0',
      pidsLimit: 20,
    });
    expect(result).toEqual({ warnings: [] });
    expect(fake.writes).toEqual([
      'skiff/c1/memory.max=33554432',
      'skiff/c1/memory.swap.max=67108864',
      'skiff/c1/cpu.weight=39',
      'skiff/c1/cpu.max=50000 100000',
      'skiff/c1/cpuset.cpus=0-1',
      'skiff/c1/cpuset.mems=0',
      'skiff/c1/pids.max=20',
    ]);
  });

  it('no swap: memory.swap.max 0; unlimited: max', async () => {
    const { fake, manager } = setup();
    await manager.set({ memory: 32 * MiB, memorySwap: 32 * MiB, pidsLimit: -1 });
    expect(fake.read('skiff/c1/memory.swap.max')).toBe('0');
    expect(fake.read('skiff/c1/pids.max')).toBe('max');
    await manager.set({ memory: -1 });
    expect(fake.read('skiff/c1/memory.max')).toBe('max');
    expect(fake.read('skiff/c1/memory.swap.max')).toBe('max');
    await manager.set({ cpuQuota: -1, cpuPeriod: 100_000 });
    expect(fake.read('skiff/c1/cpu.max')).toBe('max 100000');
  });

  it('without swap accounting: limits memory and warns', async () => {
    const { fake, manager } = setup({ swapAccounting: false });
    const result = await manager.set({ memory: 32 * MiB, memorySwap: 32 * MiB });
    expect(result.warnings).toEqual([expect.stringContaining('does not account swap')]);
    expect(fake.read('skiff/c1/memory.max')).toBe(String(32 * MiB));
    expect((await manager.stats()).memory?.swapAccounting).toBe(false);
  });

  it('device rules: nothing to write (v2 uses eBPF), so a warning; unrestricted needs none', async () => {
    const { fake, manager } = setup();
    await manager.create();
    fake.writes.length = 0;
    expect(await manager.set({ devices: { allow: ['c 1:3 rwm'] } })).toEqual({ warnings: [noDeviceRulesWarning] });
    expect(await manager.set({ devices: 'unrestricted' })).toEqual({ warnings: [] });
    expect(fake.writes).toEqual([]);
  });

  it('says NOT_SUPPORTED, naming the hybrid host, when the controller is missing', async () => {
    const { manager } = setup({ controllers: [] });
    const error = await manager.set({ memory: 32 * MiB }).catch((e: unknown) => e);
    expect(CgroupError.is(error, 'NOT_SUPPORTED')).toBe(true);
    expect((error as Error).message).toMatch(
      /^cannot set the memory limit: the memory controller is not available in .*\/skiff \(cgroup.controllers: ""\); on a hybrid host the controllers are bound to cgroup v1$/,
    );
    await expect(manager.set({ pidsLimit: 3 })).rejects.toThrowError(/cannot set the pids limit/);
    await expect(manager.set({ cpuShares: 512 })).rejects.toThrowError(/cannot set the CPU weight/);
    await expect(manager.set({})).resolves.toEqual({ warnings: [] });
  });

  it('reports why a controller could not be enabled (EBUSY: the parent holds processes)', async () => {
    const { fake, manager } = setup();
    fake.mkdir(fake.path('skiff'));
    const realWrite = fake.writeFile.bind(fake);
    fake.writeFile = (path, data) => {
      if (path === fake.path('skiff/cgroup.subtree_control') && data === '+cpuset') {
        throw Object.assign(new Error('EBUSY: device or resource busy'), { code: 'EBUSY' });
      }
      realWrite(path, data);
    };
    await manager.create();
    // cpuset failed; the others were enabled one by one
    expect(fake.read('skiff/c1/cgroup.controllers')).toBe('cpu memory pids io');
    await expect(manager.set({ cpusetCpus: '0' })).rejects.toThrowError(/cannot set the cpuset: enable \+cpuset in .*: EBUSY/);
  });
});

describe('CgroupV2Manager freeze / kill / stats / destroy', () => {
  it('freeze writes cgroup.freeze and waits for "frozen 1" in cgroup.events; thaw the reverse', async () => {
    const { fake, manager } = setup();
    await manager.create();
    fake.writes.length = 0;
    await manager.freeze();
    expect(fake.read('skiff/c1/cgroup.events')).toContain('frozen 1');
    await manager.thaw();
    expect(fake.writes).toEqual(['skiff/c1/cgroup.freeze=1', 'skiff/c1/cgroup.freeze=0']);
  });

  it('a freeze that never completes times out with UNAVAILABLE and unfreezes', async () => {
    const { fake, manager } = setup();
    await manager.create();
    const realRead = fake.readFile.bind(fake);
    fake.readFile = (path) => (path.endsWith('cgroup.events') ? 'populated 1\nfrozen 0\n' : realRead(path));
    await expect(manager.freeze()).rejects.toThrowError(/did not freeze within 100 ms/);
    expect(fake.writes.at(-1)).toBe('skiff/c1/cgroup.freeze=0');
  });

  it('killAll writes cgroup.kill and waits until empty', async () => {
    const { fake, manager } = setup();
    await manager.apply(101);
    fake.mkdir(fake.path('skiff/c1/nested'));
    fake.addProcess('skiff/c1/nested', 102);
    fake.writes.length = 0;
    await manager.killAll();
    expect(fake.writes).toEqual(['skiff/c1/cgroup.kill=1']);
    expect(await manager.getPids()).toEqual([]);
  });

  it('killAll without cgroup.kill (before Linux 5.14) freezes, signals each pid, thaws', async () => {
    const { fake, manager } = setup({ kill: false });
    await manager.apply(101);
    fake.addProcess('skiff/c1', 102);
    fake.writes.length = 0;
    await manager.killAll();
    expect(fake.writes).toEqual(['skiff/c1/cgroup.freeze=1', 'skiff/c1/cgroup.freeze=0']);
    expect(fake.killed).toEqual([101, 102]);
  });

  it('stats and oomKilled read memory.current/peak/max/events, cpu.stat, pids.*', async () => {
    const { fake, manager } = setup();
    expect(await manager.oomKilled()).toBe(false);
    await manager.set({ memory: 32 * MiB, memorySwap: 32 * MiB, pidsLimit: 10 });
    fake.poke('skiff/c1/memory.current', '4096\n');
    fake.poke('skiff/c1/memory.peak', '8192\n');
    fake.poke('skiff/c1/memory.events', 'low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n');
    fake.poke('skiff/c1/cpu.stat', 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n');
    fake.poke('skiff/c1/pids.current', '3\n');
    expect(await manager.stats()).toEqual({
      memory: { usage: 4096, maxUsage: 8192, limit: 32 * MiB, swapAccounting: true, swapLimit: 0, oomKills: 1, failCount: null },
      cpu: { usageNs: 1_500_000 },
      pids: { current: 3, limit: 10 },
      warnings: [],
    });
    expect(await manager.oomKilled()).toBe(true);
  });

  it('stats on a hybrid unified hierarchy: CPU time only, the rest null with warnings', async () => {
    const { manager } = setup({ controllers: [] });
    await manager.create();
    const stats = await manager.stats();
    expect(stats).toMatchObject({ memory: null, cpu: { usageNs: 0 }, pids: null });
    expect(stats.warnings).toHaveLength(2);
    expect(await manager.oomKilled()).toBe(false);
  });

  it('destroy kills, removes the cgroup and its descendants, keeps the parent, and resolves when already gone', async () => {
    const { fake, manager } = setup();
    await manager.apply(101);
    fake.mkdir(fake.path('skiff/c1/sub'));
    await manager.destroy();
    expect(fake.killed).toEqual([101]);
    expect(fake.exists(fake.path('skiff/c1'))).toBe(false);
    expect(fake.exists(fake.path('skiff'))).toBe(true);
    await expect(manager.destroy()).resolves.toBeUndefined();
  });
});

describe('createCgroupManager on a fake v2 root', () => {
  it('builds a v2 manager when the root itself is cgroup2 in mountinfo', async () => {
    const { fake } = setup();
    const mountinfo = `25 24 0:23 / ${fake.root} rw shared:8 - cgroup2 cgroup2 rw,nsdelegate\n`;
    const manager = createCgroupManager({ name: 'c7', root: fake.root, mountinfo, fs: fake, kill: fake.kill });
    expect(manager.cgroupVersion).toBe('v2');
    expect(manager.paths()).toEqual({ unified: fake.path('skiff/c7') });
  });

  it('an explicit version skips detection', () => {
    const manager = createCgroupManager({ name: 'c7', root: '/nowhere', version: 'v2' });
    expect(manager.procsFiles()).toEqual(['/nowhere/skiff/c7/cgroup.procs']);
  });
});

// Privileged: the v1 manager against this host's real cgroup v1 hierarchies. Every cgroup lives under a
// random skiff-test-<run>-cg-* parent that afterAll removes and checks for in every hierarchy.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import {
  CgroupError,
  createCgroupManager,
  DEFAULT_DEVICE_RULES,
  detectCgroupVersion,
  deviceRule,
  type CgroupManager,
} from '../src/index.js';
import { killStarted, leftoverDirs, procCgroups, read, removeTestParent, start, startInCgroup, testParent } from './helpers.js';

const MiB = 1024 * 1024;

function v1Host(): boolean {
  if (!requiresRoot('the cgroup v1 tests create real cgroups')) return false;
  const version = detectCgroupVersion();
  if (version === 'v1') return true;
  console.warn(`skipped: the cgroup v1 tests need a v1 (or hybrid) host; this one is ${version} (the unit tests cover v1 on a fake cgroupfs)`);
  return false;
}

describe.skipIf(!v1Host())('cgroup v1 on this host (root)', () => {
  const parent = testParent();
  const managers: CgroupManager[] = [];
  const manager = (name: string) => {
    const created = createCgroupManager({ name, parent });
    managers.push(created);
    return created;
  };
  // The highest online CPU: the last number of the kernel's list ("0-3", "0,2-5").
  const lastCpu = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim().split(/[,-]/).at(-1)!;

  afterEach(() => killStarted());

  afterAll(async () => {
    killStarted();
    for (const created of managers) await created.destroy();
    const left = leftoverDirs(parent);
    removeTestParent(parent);
    expect(left.filter((dir) => existsSync(join(dir, managers[0]?.name ?? '')))).toEqual([]);
    expect(leftoverDirs(parent)).toEqual([]);
  });

  it('is detected as v1 even though an (empty) cgroup2 is mounted at /sys/fs/cgroup/unified', () => {
    expect(createCgroupManager({ name: 'probe', parent }).cgroupVersion).toBe('v1');
  });

  it('writes limits that read back from the real files, places a process in every hierarchy, then freezes, kills, destroys', async () => {
    const m = manager('c-life');
    const paths = m.paths();
    expect(Object.keys(paths).sort()).toEqual(['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids']);
    // The helper flow: limits first, then the process joins.
    const { warnings } = await m.set({
      memory: 64 * MiB,
      memorySwap: 64 * MiB,
      pidsLimit: 20,
      cpusetCpus: lastCpu,
      cpusetMems: '0',
      cpuShares: 512,
      cpuQuota: 50_000,
      cpuPeriod: 100_000,
    });
    const memsw = existsSync(join(paths.memory as string, 'memory.memsw.limit_in_bytes'));
    expect(warnings).toEqual(memsw ? [] : [expect.stringContaining('does not account swap')]);
    expect(read(join(paths.memory as string, 'memory.limit_in_bytes'))).toBe(String(64 * MiB));
    if (memsw) expect(read(join(paths.memory as string, 'memory.memsw.limit_in_bytes'))).toBe(String(64 * MiB));
    expect(read(join(paths.pids as string, 'pids.max'))).toBe('20');
    expect(read(join(paths.cpuset as string, 'cpuset.cpus'))).toBe(lastCpu);
    expect(read(join(paths.cpuset as string, 'cpuset.mems'))).toBe('0');
    // The shared parent got the root's cpus/mems copied down before anything joined.
    expect(read(`/sys/fs/cgroup/cpuset/${parent}/cpuset.cpus`)).toBe(read('/sys/fs/cgroup/cpuset/cpuset.cpus'));
    expect(read(`/sys/fs/cgroup/cpuset/${parent}/cpuset.mems`)).toBe(read('/sys/fs/cgroup/cpuset/cpuset.mems'));
    expect(read(join(paths.cpu as string, 'cpu.shares'))).toBe('512');
    expect(read(join(paths.cpu as string, 'cpu.cfs_quota_us'))).toBe('50000');
    expect(read(join(paths.cpu as string, 'cpu.cfs_period_us'))).toBe('100000');

    const sleeper = start('sleep', ['1000']);
    await m.apply(sleeper.pid);
    const placed = procCgroups(sleeper.pid);
    for (const controller of Object.keys(paths)) expect(placed.get(controller)).toBe(`/${parent}/c-life`);
    expect(placed.get('name=systemd')).not.toContain(parent); // hierarchies skiff does not manage are left alone
    expect(read(`/proc/${sleeper.pid}/status`)).toMatch(new RegExp(`Cpus_allowed_list:\\s+${lastCpu}\\n`));
    expect(await m.getPids()).toEqual([sleeper.pid]);

    const stats = await m.stats();
    expect(stats.memory).toMatchObject({ limit: 64 * MiB, oomKills: 0, swapAccounting: memsw });
    // v1 charges memory where it was allocated: a process that joins late brings none (move_charge_at_immigrate 0).
    expect(stats.memory?.usage).toBeGreaterThanOrEqual(0);
    expect(stats.pids).toEqual({ current: 1, limit: 20 });
    expect(stats.cpu?.usageNs).toBeGreaterThanOrEqual(0);

    await m.freeze();
    expect(read(join(paths.freezer as string, 'freezer.state'))).toBe('FROZEN');
    await m.thaw();
    expect(read(join(paths.freezer as string, 'freezer.state'))).toBe('THAWED');

    await m.killAll();
    expect(await sleeper.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await m.getPids()).toEqual([]);
    expect(await m.oomKilled()).toBe(false);

    await m.destroy();
    for (const dir of Object.values(paths)) expect(existsSync(dir)).toBe(false);
    await expect(m.destroy()).resolves.toBeUndefined(); // idempotent
  });

  it('raising and lowering memory+swap on a live cgroup is accepted by the kernel in both directions', async () => {
    const m = manager('c-resize');
    await m.set({ memory: 32 * MiB, memorySwap: 32 * MiB });
    await m.set({ memory: 128 * MiB, memorySwap: 256 * MiB });
    const dir = m.paths().memory as string;
    expect(read(join(dir, 'memory.limit_in_bytes'))).toBe(String(128 * MiB));
    await m.set({ memory: 16 * MiB, memorySwap: 16 * MiB });
    expect(read(join(dir, 'memory.limit_in_bytes'))).toBe(String(16 * MiB));
    await m.set({ memory: -1 });
    expect((await m.stats()).memory?.limit).toBeNull();
    await m.destroy();
  });

  it('a process joining itself through joinFiles() (tasks) before exec runs constrained from its first instruction (cpuset)', async () => {
    const m = manager('c-helper');
    await m.set({ cpusetCpus: lastCpu });
    const files = m.joinFiles();
    expect(new Set(files).size).toBe(files.length);
    const probe = startInCgroup(files, 'exec grep -E "^Cpus_allowed_list" /proc/self/status');
    expect(await probe.exited).toEqual({ code: 0, signal: null });
    expect(probe.output().trim()).toBe(`Cpus_allowed_list:\t${lastCpu}`);
    await m.destroy();
  });

  it('OOM: a process over a 32 MiB limit (swap limited too) is SIGKILLed and oomKilled() says so', async () => {
    const m = manager('c-oom');
    const { warnings } = await m.set({ memory: 32 * MiB, memorySwap: 32 * MiB });
    if (warnings.length) console.warn(`note: ${warnings.join('; ')}`);
    const hog = startInCgroup(m.procsFiles(), 'exec tail /dev/zero');
    expect(await hog.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await m.oomKilled()).toBe(true);
    const stats = await m.stats();
    expect(stats.memory?.oomKills).toBeGreaterThanOrEqual(1);
    expect(stats.memory?.maxUsage).toBeGreaterThan(30 * MiB);
    expect(stats.memory?.maxUsage).toBeLessThanOrEqual(32 * MiB);
    await m.destroy();
  });

  it('pids.max: forks beyond the limit fail', async () => {
    const m = manager('c-pids');
    await m.set({ pidsLimit: 5 });
    const forker = startInCgroup(m.procsFiles(), 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1000 >/dev/null 2>&1 & done; wait');
    const result = await forker.exited; // sh gives up at the first failed fork
    expect(result.code).not.toBe(0);
    expect(forker.output()).toMatch(/fork/i);
    const pids = m.paths().pids as string;
    expect(read(join(pids, 'pids.events'))).toMatch(/^max [1-9]/);
    const stats = await m.stats();
    expect(stats.pids?.limit).toBe(5);
    expect(stats.pids?.current).toBe(4); // the four sleeps that did start (orphaned now; killAll takes them)
    await m.killAll();
    expect(await m.getPids()).toEqual([]);
    await m.destroy();
  });

  it("devices: docker's default rules let a process create any node but open only the allowed ones", async () => {
    const m = manager('c-devices');
    await m.set({ devices: { allow: [...DEFAULT_DEVICE_RULES, deviceRule('c', 10, 229)] } });
    const dir = m.paths().devices as string;
    expect(read(join(dir, 'devices.list')).split('\n')).toEqual([...DEFAULT_DEVICE_RULES, 'c 10:229 rwm']);
    const scratch = tempDir('skiff-test-devices-');
    // sda's numbers: creating the node is allowed (m), opening it is not, whether or not the disk exists.
    const script = `exec 2>&1; mknod ${scratch}/sda b 8 0 && echo mknod=ok; head -c 1 ${scratch}/sda; echo "open=$?"; echo x > /dev/null && echo null=ok`;
    const probe = startInCgroup(m.procsFiles(), script);
    expect(await probe.exited).toEqual({ code: 0, signal: null });
    expect(probe.output()).toMatch(/^mknod=ok\nhead: cannot open '.*\/sda' for reading: Operation not permitted\nopen=1\nnull=ok\n$/);
    await m.destroy();
  });

  it('devices: a device left out of the allow list is refused; unrestricted allows it again', async () => {
    const m = manager('c-devices-few');
    await m.set({ devices: { allow: ['c 1:5 rwm'] } });
    const script = 'exec 2>&1; head -c 1 /dev/zero | wc -c; echo x > /dev/null; echo "null=$?"';
    const denied = startInCgroup(m.procsFiles(), script);
    await denied.exited;
    expect(denied.output()).toMatch(/^1\n.*\/dev\/null: Operation not permitted\nnull=2\n$/);
    await m.set({ devices: 'unrestricted' });
    expect(read(join(m.paths().devices as string, 'devices.list'))).toBe('a *:* rwm');
    const allowed = startInCgroup(m.procsFiles(), script);
    await allowed.exited;
    expect(allowed.output()).toBe('1\nnull=0\n');
    await m.destroy();
  });

  it('destroy kills stray processes first and removes every hierarchy', async () => {
    const m = manager('c-stray');
    const sleeper = start('sleep', ['1000']);
    await m.apply(sleeper.pid);
    await m.destroy();
    expect(await sleeper.exited).toEqual({ code: null, signal: 'SIGKILL' });
    for (const dir of Object.values(m.paths())) expect(existsSync(dir)).toBe(false);
  });

  it('apply refuses a pid that does not exist, and the calling process', async () => {
    const m = manager('c-refuse');
    const error = await m.apply(2 ** 22 + 12345).catch((e: unknown) => e);
    expect(CgroupError.isInstance(error)).toBe(true);
    await expect(m.apply(process.pid)).rejects.toThrowError(/refusing to move the calling process/);
    await m.destroy();
  });
});

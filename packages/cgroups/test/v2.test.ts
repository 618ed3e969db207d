// Privileged: the v2 manager against a real cgroup2 hierarchy. On a v2 host that is /sys/fs/cgroup with its
// controllers; on this hybrid host it is the controller-less cgroup2 at /sys/fs/cgroup/unified (the same
// kernel hierarchy a fresh `mount -t cgroup2` would show), where placement, freeze, kill and removal are real
// and every limit must fail with NOT_SUPPORTED. Limits on a real v2 kernel are covered by the unit tests only.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';
import {
  CgroupError,
  createCgroupManager,
  detectCgroupVersion,
  nodeCgroupFs,
  type CgroupManager,
  type CreateCgroupManagerOptions,
} from '../src/index.js';
import { parseMountInfo } from '@skiff/plugin';
import { killStarted, leftoverDirs, procCgroups, read, removeTestParent, start, startInCgroup, testParent } from './helpers.js';

const MiB = 1024 * 1024;

/** Where a real cgroup2 hierarchy is mounted, or undefined (with the reason printed). */
function v2Root(): string | undefined {
  if (!requiresRoot('the cgroup v2 tests create real cgroups')) return undefined;
  if (detectCgroupVersion() === 'v2') return '/sys/fs/cgroup';
  const unified = parseMountInfo(read('/proc/self/mountinfo')).find(
    (mount) => mount.fsType === 'cgroup2' && mount.mountPoint.startsWith('/sys/fs/cgroup/'),
  );
  if (unified) return unified.mountPoint;
  console.warn('skipped: no cgroup2 hierarchy is mounted on this host (the unit tests cover v2 on a fake cgroupfs)');
  return undefined;
}

const root = v2Root();
const controllers = root ? read(join(root, 'cgroup.controllers')).split(/\s+/).filter(Boolean) : [];
const hasLimits = ['memory', 'cpu', 'pids'].every((controller) => controllers.includes(controller));

describe.skipIf(root === undefined)(`cgroup v2 at ${root} (root)`, () => {
  const parent = testParent();
  const managers: CgroupManager[] = [];
  const manager = (name: string, extra: Partial<CreateCgroupManagerOptions> = {}) => {
    const created = createCgroupManager({ name, parent, root, version: 'v2', ...extra });
    managers.push(created);
    return created;
  };
  const rootSubtree = root ? read(join(root, 'cgroup.subtree_control')) : '';

  afterEach(() => killStarted());

  afterAll(async () => {
    killStarted();
    for (const created of managers) await created.destroy();
    removeTestParent(parent);
    expect(leftoverDirs(parent)).toEqual([]);
    // The host's root cgroup was not changed (on the hybrid host nothing could be enabled there anyway).
    if (!hasLimits && root) expect(read(join(root, 'cgroup.subtree_control'))).toBe(rootSubtree);
  });

  it('places a process, freezes and thaws it, kills it with cgroup.kill, and removes the cgroup', async () => {
    const m = manager('c-life');
    const dir = m.paths().unified as string;
    const sleeper = start('sleep', ['1000']);
    await m.apply(sleeper.pid);
    expect(procCgroups(sleeper.pid).get('')).toBe(`/${parent}/c-life`);
    expect(read(join(dir, 'cgroup.procs'))).toBe(String(sleeper.pid));
    expect(await m.getPids()).toEqual([sleeper.pid]);

    await m.freeze();
    expect(read(join(dir, 'cgroup.events'))).toContain('frozen 1');
    await m.thaw();
    expect(read(join(dir, 'cgroup.events'))).toContain('frozen 0');

    const stats = await m.stats();
    expect(stats.cpu?.usageNs).toBeGreaterThanOrEqual(0);
    if (!hasLimits) expect(stats).toMatchObject({ memory: null, pids: null });

    expect(existsSync(join(dir, 'cgroup.kill'))).toBe(true);
    await m.killAll();
    expect(await sleeper.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(read(join(dir, 'cgroup.events'))).toContain('populated 0');
    await m.destroy();
    expect(existsSync(dir)).toBe(false);
    await expect(m.destroy()).resolves.toBeUndefined();
  });

  it('killAll without cgroup.kill (pre-5.14 kernels) falls back to freeze + SIGKILL each pid + thaw', async () => {
    const hideKill = { ...nodeCgroupFs, exists: (path: string) => !path.endsWith('/cgroup.kill') && nodeCgroupFs.exists(path) };
    const m = manager('c-nokill', { fs: hideKill });
    const sleepers = [start('sleep', ['1000']), start('sleep', ['1000'])];
    for (const sleeper of sleepers) await m.apply(sleeper.pid);
    await m.killAll();
    for (const sleeper of sleepers) expect(await sleeper.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await m.destroy();
  });

  it('a process joining through procsFiles() before exec starts inside the cgroup', async () => {
    const m = manager('c-helper');
    await m.create();
    const probe = startInCgroup(m.procsFiles(), 'exec cat /proc/self/cgroup');
    expect(await probe.exited).toEqual({ code: 0, signal: null });
    expect(probe.output()).toContain(`0::/${parent}/c-helper\n`);
    await m.destroy();
  });

  it('destroy kills stray processes first', async () => {
    const m = manager('c-stray');
    const sleeper = start('sleep', ['1000']);
    await m.apply(sleeper.pid);
    await m.destroy();
    expect(await sleeper.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(existsSync(m.paths().unified as string)).toBe(false);
  });

  it.skipIf(hasLimits)('without controllers (hybrid host) every limit fails with NOT_SUPPORTED and a clear reason', async () => {
    const m = manager('c-nolimits');
    for (const resources of [{ memory: 32 * MiB }, { pidsLimit: 5 }, { cpuShares: 512 }, { cpuQuota: 50_000, cpuPeriod: 100_000 }]) {
      const error = await m.set(resources).catch((e: unknown) => e);
      expect(CgroupError.is(error, 'NOT_SUPPORTED')).toBe(true);
      expect((error as Error).message).toContain('on a hybrid host the controllers are bound to cgroup v1');
    }
    await m.destroy();
  });

  it.skipIf(!hasLimits)('limits read back from the real files and an OOM is reported (needs v2 controllers)', async () => {
    const m = manager('c-limits');
    await m.set({ memory: 32 * MiB, memorySwap: 32 * MiB, cpuShares: 1024, cpuQuota: 50_000, cpuPeriod: 100_000, pidsLimit: 20 });
    const dir = m.paths().unified as string;
    expect(read(join(dir, 'memory.max'))).toBe(String(32 * MiB));
    if (existsSync(join(dir, 'memory.swap.max'))) expect(read(join(dir, 'memory.swap.max'))).toBe('0');
    expect(read(join(dir, 'cpu.weight'))).toBe('39');
    expect(read(join(dir, 'cpu.max'))).toBe('50000 100000');
    expect(read(join(dir, 'pids.max'))).toBe('20');
    const hog = startInCgroup(m.procsFiles(), 'exec tail /dev/zero');
    expect(await hog.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await m.oomKilled()).toBe(true);
    await m.destroy();
  });
});

if (root && !hasLimits) {
  console.warn(
    `note: the cgroup2 hierarchy at ${root} offers no controllers (cgroup.controllers is empty: they are bound to v1); ` +
      'v2 limits and OOM reporting are verified by unit tests only',
  );
}

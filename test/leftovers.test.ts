// The leftover scanner finds a mount, a cgroup and a process of its own run, and nothing of another run's.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cgroupHierarchies, leftovers, type Scope } from './leftovers.js';
import { suiteIfPrefix, suitePrefix } from './naming.js';
import { requiresRoot } from './support.js';

/** A scope of a made-up run, so what is planted here is never this run's own (the global check stays clean). */
function fakeRun(): Scope {
  const run = `scan${randomBytes(3).toString('hex')}`;
  // The interface prefix of a real run is s + its 6 hex digits; a fake one's must differ from it and each other.
  return { prefix: suitePrefix(run), tmp: tmpdir(), ifPrefix: `x${randomBytes(3).toString('hex')}` };
}

function plantDir(scope: Scope): string {
  const dir = mkdtempSync(join(scope.tmp, scope.prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `sleep` with its cwd in `dir`, killed (by pid) after the test. */
function plantProcess(dir: string): number {
  const child = spawn('sleep', ['60'], { cwd: dir, stdio: 'ignore' });
  onTestFinished(() => void child.kill('SIGKILL'));
  return child.pid!;
}

function plantMount(dir: string): string {
  const target = join(dir, 'mnt');
  mkdirSync(target);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'leftover-probe', target]);
  onTestFinished(() => void execFileSync('umount', [target]));
  return target;
}

/** A cgroup at the top of the first hierarchy, with a process in it (killed, then the cgroup removed, after). */
function plantCgroup(name: string): { dir: string; pid: number } {
  const dir = join(cgroupHierarchies()[0]!, name);
  mkdirSync(dir);
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  writeFileSync(join(dir, 'cgroup.procs'), String(child.pid));
  onTestFinished(async () => {
    child.kill('SIGKILL');
    await exited;
    rmdirSync(dir);
  });
  return { dir, pid: child.pid! };
}

describe('leftover scanner', () => {
  it('runs with this run\'s name, which the global check scans for (set in vitest.config.ts)', () => {
    expect(process.env.SKIFF_TEST_RUN).toMatch(/^[0-9a-f]{6}$/);
  });

  it('finds a process whose cwd is in one of its temp roots, and not one in another run\'s', () => {
    const mine = fakeRun();
    const other = fakeRun();
    const pid = plantProcess(plantDir(mine));
    const otherPid = plantProcess(plantDir(other));
    const found = leftovers(mine);
    expect(found.filter((line) => line.startsWith(`process ${pid} `))).toEqual([`process ${pid} (cwd): sleep 60`]);
    expect(found.filter((line) => line.startsWith(`process ${otherPid} `))).toEqual([]);
  });

  it.runIf(requiresRoot('this test mounts a tmpfs and creates cgroups'))('finds a mount and a cgroup (and the process in it) of its own run, and none of another run\'s', () => {
    const mine = fakeRun();
    const other = fakeRun();
    const mount = plantMount(plantDir(mine));
    const otherMount = plantMount(plantDir(other));
    const cgroup = plantCgroup(`${mine.prefix}parent`);
    const otherCgroup = plantCgroup(`${other.prefix}parent`);
    const unrelated = plantCgroup(`skiff-${randomBytes(3).toString('hex')}`);
    const found = leftovers(mine);
    expect(found).toContain(`mount ${mount}`);
    expect(found).toContain(`cgroup ${cgroup.dir}`);
    expect(found).toContain(`process ${cgroup.pid} (cgroup): sleep 60`);
    const text = found.join('\n');
    for (const outside of [otherMount, otherCgroup.dir, unrelated.dir, `process ${otherCgroup.pid} `, `process ${unrelated.pid} `])
      expect(text).not.toContain(outside);
  });

  it.runIf(requiresRoot('this test makes interfaces, a network namespace and an nft table'))("finds a link, a named netns and an nft table of its own run, and none of another run's", () => {
    const mine = fakeRun();
    const other = fakeRun();
    const plant = (scope: Scope) => {
      const link = `${scope.ifPrefix}probe`;
      const netns = `${scope.prefix}probe`;
      const table = `${scope.prefix}probe`;
      execFileSync('ip', ['link', 'add', link, 'type', 'bridge']); // no dummy module on every kernel
      onTestFinished(() => void execFileSync('ip', ['link', 'del', link]));
      execFileSync('ip', ['netns', 'add', netns]);
      onTestFinished(() => void execFileSync('ip', ['netns', 'del', netns]));
      execFileSync('nft', ['add', 'table', 'ip', table]);
      onTestFinished(() => void execFileSync('nft', ['delete', 'table', 'ip', table]));
      return { link, netns, table };
    };
    const planted = plant(mine);
    const otherPlanted = plant(other);
    const found = leftovers(mine);
    expect(found).toEqual(expect.arrayContaining([`link ${planted.link}`, `netns ${planted.netns}`, `nft table ip ${planted.table}`]));
    const text = found.join('\n');
    for (const outside of Object.values(otherPlanted)) expect(text).not.toContain(outside);
    expect(suiteIfPrefix('0a1b2c')).toBe('s0a1b2c');
  });
});


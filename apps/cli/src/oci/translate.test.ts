import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MountFlags } from '@skiff/native';
import { cgroupLocation } from './cgroup.js';
import { seccompProfile } from './seccomp.js';
import type { OciConfig } from './spec.js';
import { capabilitiesOf, resourcesOf, translate, type CgroupView } from './translate.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function bundleDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-oci-unit-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'rootfs'));
  return dir;
}

const view: CgroupView = {
  version: 'v1',
  procsFiles: ['/sys/fs/cgroup/pids/p/c/cgroup.procs'],
  paths: { pids: '/sys/fs/cgroup/pids/p/c', cpu: '/sys/fs/cgroup/cpu,cpuacct/p/c', cpuacct: '/sys/fs/cgroup/cpu,cpuacct/p/c' },
};

const config = (edit: (c: OciConfig) => void = () => {}): OciConfig => {
  const c: OciConfig = {
    ociVersion: '1.0.2',
    root: { path: 'rootfs', readonly: true },
    hostname: 'h',
    process: { args: ['sh'], cwd: '/', env: ['A=1'], user: { uid: 0, gid: 0, umask: 0o27, additionalGids: [10] }, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 20 }], noNewPrivileges: true, oomScoreAdj: 5 },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'rprivate'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid'] },
    ],
    linux: {
      namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'uts' }, { type: 'network', path: '/proc/1/ns/net' }],
      maskedPaths: ['/proc/kcore'],
      readonlyPaths: ['/proc/sys'],
      sysctl: { 'kernel.shmmax': '1000' },
    },
  };
  edit(c);
  return c;
};

const translated = (c: OciConfig, dir = bundleDir()) => translate({ bundle: dir, config: c, cgroup: view, waitFifo: '/run/x/exec.fifo' });

describe('translate: config.json → launch plan', () => {
  it('carries the process, namespaces and security as given', () => {
    const { plan } = translated(config());
    expect(plan).toMatchObject({
      args: ['sh'],
      env: ['A=1'],
      cwd: '/',
      hostname: 'h',
      readonlyRoot: true,
      umask: 0o27,
      user: { uid: 0, gid: 0, groups: [10] },
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 20 }],
      noNewPrivileges: true,
      oomScoreAdj: 5,
      seccomp: 'unconfined',
      capabilities: [],
      network: 'host',
      waitFifo: '/run/x/exec.fifo',
      cgroupProcs: view.procsFiles,
      namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'uts' }, { type: 'network', path: '/proc/1/ns/net' }],
    });
  });

  it('keeps the mounts in order, then default devices, sysctls, read-only and masked paths', () => {
    const { plan } = translated(config());
    const ops = plan.filesystem.map((op) => ('target' in op ? `${op.op} ${op.target}` : 'path' in op ? `${op.op} ${op.path}` : `${op.op} ${(op as { key: string }).key}`));
    expect(ops.slice(0, 7)).toEqual(['mount /', 'mount /proc', 'mount /tmp', 'mount /sys/fs/cgroup', 'mount /sys/fs/cgroup/pids', 'mount /sys/fs/cgroup/cpu,cpuacct', 'symlink /sys/fs/cgroup/cpu']);
    expect(ops).toContain('device /dev/null');
    expect(ops.slice(-3)).toEqual(['sysctl kernel.shmmax', 'readonly /proc/sys', 'mask /proc/kcore']);
    const tmp = plan.filesystem[2] as { flags: number; data: string };
    // rprivate is kept: the helper applies it inside the container's namespace (which starts rprivate anyway).
    expect(tmp.flags).toBe(MountFlags.MS_NOSUID | MountFlags.MS_NODEV | MountFlags.MS_PRIVATE | MountFlags.MS_REC);
    expect(tmp.data).toBe('mode=1777');
    // The cgroup mount shows the container's own cgroup, read-only, never the host's hierarchy.
    expect(plan.filesystem[4]).toMatchObject({ source: '/sys/fs/cgroup/pids/p/c', flags: expect.any(Number), hostPath: {} });
    expect((plan.filesystem[4] as { flags: number }).flags & MountFlags.MS_RDONLY).toBeTruthy();
  });

  it('canonicalises bind sources on the host and marks them for the helper to open without following', () => {
    const dir = bundleDir();
    mkdirSync(join(dir, 'data'));
    symlinkSync(join(dir, 'data'), join(dir, 'link'));
    const { plan } = translated(config((c) => c.mounts!.push({ destination: '/data', type: 'bind', source: 'link', options: ['rbind', 'ro'] })), dir);
    expect(plan.filesystem.find((op) => op.op === 'mount' && op.target === '/data')).toMatchObject({ source: join(dir, 'data'), hostPath: {}, flags: MountFlags.MS_BIND | MountFlags.MS_REC | MountFlags.MS_RDONLY });
  });

  it.each([
    [(c: OciConfig) => c.linux!.namespaces!.push({ type: 'user' }), /user namespace needs linux.uidMappings/],
    [(c: OciConfig) => (c.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]), /need a new user namespace/],
    [(c: OciConfig) => (c.linux!.namespaces = [{ type: 'pid' }]), /without a mount namespace/],
    [(c: OciConfig) => (c.linux!.namespaces = [{ type: 'mount' }]), /hostname and domainname need a uts namespace/],
    [(c: OciConfig) => c.mounts!.push({ destination: '/x', type: 'bind', source: '/tmp', options: ['rbind', 'tmpcopyup'] }), /mount option tmpcopyup/],
    [(c: OciConfig) => (c.linux!.rootfsPropagation = 'bogus'), /unknown linux.rootfsPropagation "bogus"/],
    [(c: OciConfig) => (c.linux!.sysctl = { 'vm.swappiness': '1' }), /sysctl vm.swappiness/],
    [(c: OciConfig) => (c.linux!.sysctl = { 'net.ipv4.ip_forward': '1' }), /needs a new network namespace/],
    [(c: OciConfig) => (c.process!.capabilities = { bounding: ['CAP_KILL'], effective: [] }), /effective or permitted set differs/],
    [(c: OciConfig) => (c.process!.capabilities = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: ['CAP_CHOWN'] }), /outside the bounding set \(CAP_CHOWN\)/],
    [(c: OciConfig) => (c.process!.selinuxLabel = 'x'), /selinuxLabel/],
    [(c: OciConfig) => (c.process!.user = { uid: 1000, gid: 1000 }, c.process!.capabilities = { bounding: [], effective: ['CAP_KILL'] }), /outside the bounding set/],
    [(c: OciConfig) => (c.process!.terminal = true), /--console-socket is required/],
    [(c: OciConfig) => (c.hooks = { createContainer: [{ path: '/x' }] }), /hooks.createContainer/],
  ])('refuses what it cannot do, naming it (%#)', (edit, message) => {
    expect(() => translated(config(edit))).toThrow(message);
  });

  it('keeps the inheritable and ambient sets a config gives (runtime-tools sets all five)', () => {
    const all = ['CAP_KILL', 'CAP_CHOWN'];
    expect(capabilitiesOf({ bounding: all, effective: all, permitted: all, inheritable: all, ambient: ['CAP_KILL'] }, 0)).toEqual({ capabilities: all, inheritable: all, ambient: ['CAP_KILL'] });
    // What the kernel would refuse to raise is left out with a warning, as runc does (runc spec's own config
    // has ambient capabilities and no inheritable ones); for a non-root user ambient must be permitted too.
    const warnings: string[] = [];
    expect(capabilitiesOf({ bounding: all, effective: all, permitted: all, ambient: all }, 0, (w) => warnings.push(w)).ambient).toEqual([]);
    expect(capabilitiesOf({ bounding: all, permitted: ['CAP_CHOWN'], inheritable: all, ambient: all }, 1000, (w) => warnings.push(w)).ambient).toEqual(['CAP_CHOWN']);
    expect(warnings).toEqual(['process.capabilities.ambient: CAP_KILL, CAP_CHOWN not raised (not in the inheritable set)', 'process.capabilities.ambient: CAP_KILL not raised (not in the inheritable or permitted set)']);
  });
});

describe('resources and seccomp', () => {
  it('maps limits and device rules, adding runc\'s allowed devices', () => {
    const resources = resourcesOf({
      memory: { limit: 1 << 20, swap: 2 << 20 },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0' },
      pids: { limit: 10 },
      devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }],
    });
    expect(resources).toMatchObject({ memory: 1 << 20, memorySwap: 2 << 20, cpuShares: 512, cpuQuota: 50000, cpuPeriod: 100000, cpusetCpus: '0', pidsLimit: 10 });
    expect((resources.devices as { allow: string[] }).allow).toEqual(expect.arrayContaining(['c 10:200 rwm', 'c 1:3 rwm', 'c *:* m']));
    expect(() => resourcesOf({ devices: [{ allow: true, access: 'rwm' }] })).toThrow(/deny-all/);
    expect(() => resourcesOf({ memory: { disableOOMKiller: true } })).toThrow(/disableOOMKiller/);
  });

  it("turns a profile into the helper's rules, and refuses actions it cannot carry", () => {
    expect(
      seccompProfile({
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 38,
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
        syscalls: [
          { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
          { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
          { names: ['kexec_load'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
        ],
      }),
    ).toEqual({
      defaultAction: 'errno:38',
      syscalls: [
        { name: 'read', action: 'allow', args: [] },
        { name: 'write', action: 'allow', args: [] },
        { name: 'personality', action: 'allow', args: [{ index: 0, op: 'EQ', value: 8, valueTwo: 0 }] },
        { name: 'kexec_load', action: 'errno:1', args: [] },
      ],
    });
    // A default that allows, with refusals of every kind (runc's errnoRet default: EPERM).
    expect(
      seccompProfile({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['getcwd'], action: 'SCMP_ACT_ERRNO' },
          { names: ['a'], action: 'SCMP_ACT_KILL' },
          { names: ['b'], action: 'SCMP_ACT_KILL_PROCESS' },
          { names: ['c'], action: 'SCMP_ACT_TRAP' },
          { names: ['d'], action: 'SCMP_ACT_LOG' },
          { names: ['e'], action: 'SCMP_ACT_TRACE', errnoRet: 7 },
        ],
      }).syscalls.map((call) => call.action),
    ).toEqual(['errno:1', 'killthread', 'kill', 'trap', 'log', 'trace:7']);
    expect(() => seccompProfile({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 5000 })).toThrow(/errnoRet 5000/);
    expect(() => seccompProfile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['x'], action: 'SCMP_ACT_NOTIFY' }] })).toThrow(/SCMP_ACT_NOTIFY/);
    expect(() => seccompProfile({ defaultAction: 'SCMP_ACT_ERRNO', listenerPath: '/x' })).toThrow(/listenerPath/);
  });
});

describe('cgroupLocation', () => {
  it("splits linux.cgroupsPath into the manager's parent and name, refusing systemd slices", () => {
    expect(cgroupLocation('/default/t1', 't1')).toEqual({ parent: 'default', name: 't1' });
    expect(cgroupLocation('/a/b/c', 'x')).toEqual({ parent: 'a/b', name: 'c' });
    expect(cgroupLocation(undefined, 'x')).toEqual({ parent: 'skiff-runc', name: 'x', ownParent: true });
    // Absolute: from the hierarchy's root, as given; relative: below skiff-runc's base.
    expect(cgroupLocation('/t1', 'x')).toEqual({ parent: '', name: 't1' });
    expect(cgroupLocation('a/b', 'x')).toEqual({ parent: 'skiff-runc/a', name: 'b', ownParent: true });
    expect(() => cgroupLocation('a/../../b', 'x')).toThrow(/not a cgroup path/);
    expect(() => cgroupLocation('/', 'x')).toThrow(/not a cgroup path/);
    expect(() => cgroupLocation('machine.slice:libpod:x', 'x')).toThrow(/systemd/);
    expect(() => cgroupLocation('/a/../b', 'x')).toThrow(/not a cgroup path/);
  });
});

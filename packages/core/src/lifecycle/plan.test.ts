import { DEFAULT_CAPABILITIES, MountFlags } from '@skiff/native';
import { describe, expect, it } from 'vitest';
import type { ContainerConfig } from '../state/record.js';
import { launchPlan } from './plan.js';

const { MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_STRICTATIME } = MountFlags;

/** The config `skiff run -v /a:/b --read-only busybox` creates (busybox's command, env and workdir). */
const config: ContainerConfig = {
  image: 'busybox',
  layers: ['/var/lib/skiff/layers/917cad969714'],
  args: ['sh'],
  env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  workdir: '/',
  hostname: '0123456789ab',
  tty: false,
  interactive: false,
  network: 'none',
  storageDriver: 'overlay',
  volumes: [{ source: '/a', target: '/b', readOnly: false, driver: 'bind', options: {} }],
  autoRemove: false,
  resources: {},
  cgroupParent: 'skiff',
  init: false,
  logMaxBytes: 10 * 1024 * 1024,
  logKeep: 2,
  security: {
    privileged: false,
    capabilities: [...DEFAULT_CAPABILITIES],
    noNewPrivileges: false,
    seccomp: 'default',
    readOnlyRoot: true,
    tmpfs: [],
    devices: [],
  },
};

/** What the overlay storage driver and the bind volume driver return for it. */
const overlay = 'lowerdir=/var/lib/skiff/layers/917cad969714,upperdir=/var/lib/skiff/storage/overlay/c/upper,workdir=/var/lib/skiff/storage/overlay/c/work';
const mounts = [
  { type: 'overlay', source: 'overlay', target: '/', options: overlay.split(',') },
  { type: 'bind', source: '/a', target: '/b', options: ['rbind', 'rw'] },
];

const device = (name: string, major: number, minor: number) =>
  ({ op: 'device', path: `/dev/${name}`, type: 'c', major, minor, mode: 0o666 }) as const;

describe('launchPlan', () => {
  it('plans the whole of `run -v /a:/b --read-only busybox`, every operation in the order the helper carries it out', () => {
    const plan = launchPlan(config, { rootfs: '/run/skiff/c/rootfs', mounts, cgroupProcs: ['/sys/fs/cgroup/skiff/c/cgroup.procs'] });
    expect(plan).toEqual({
      rootfs: '/run/skiff/c/rootfs',
      filesystem: [
        { op: 'mount', source: 'overlay', target: '/', fstype: 'overlay', flags: 0, data: overlay },
        { op: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: MS_NOSUID | MS_NODEV | MS_NOEXEC, data: '' },
        { op: 'mount', source: 'tmpfs', target: '/dev', fstype: 'tmpfs', flags: MS_NOSUID | MS_STRICTATIME, data: 'mode=755,size=65536k' },
        device('null', 1, 3),
        device('zero', 1, 5),
        device('full', 1, 7),
        device('random', 1, 8),
        device('urandom', 1, 9),
        device('tty', 5, 0),
        { op: 'symlink', path: '/dev/fd', to: '/proc/self/fd' },
        { op: 'symlink', path: '/dev/stdin', to: '/proc/self/fd/0' },
        { op: 'symlink', path: '/dev/stdout', to: '/proc/self/fd/1' },
        { op: 'symlink', path: '/dev/stderr', to: '/proc/self/fd/2' },
        { op: 'symlink', path: '/dev/ptmx', to: 'pts/ptmx' },
        { op: 'mount', source: 'devpts', target: '/dev/pts', fstype: 'devpts', flags: MS_NOSUID | MS_NOEXEC, data: 'newinstance,ptmxmode=0666,mode=0620,gid=5' },
        { op: 'mount', source: 'shm', target: '/dev/shm', fstype: 'tmpfs', flags: MS_NOSUID | MS_NODEV | MS_NOEXEC, data: 'mode=1777,size=65536k' },
        { op: 'mount', source: 'mqueue', target: '/dev/mqueue', fstype: 'mqueue', flags: MS_NOSUID | MS_NODEV | MS_NOEXEC, data: '', optional: true },
        { op: 'mount', source: 'sysfs', target: '/sys', fstype: 'sysfs', flags: MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, data: '' },
        { op: 'mount', source: '/a', target: '/b', fstype: '', flags: MS_BIND | MS_REC, data: '' },
        { op: 'readonly', path: '/proc/bus' },
        { op: 'readonly', path: '/proc/fs' },
        { op: 'readonly', path: '/proc/irq' },
        { op: 'readonly', path: '/proc/sys' },
        { op: 'readonly', path: '/proc/sysrq-trigger' },
        { op: 'mask', path: '/proc/asound' },
        { op: 'mask', path: '/proc/acpi' },
        { op: 'mask', path: '/proc/kcore' },
        { op: 'mask', path: '/proc/keys' },
        { op: 'mask', path: '/proc/latency_stats' },
        { op: 'mask', path: '/proc/timer_list' },
        { op: 'mask', path: '/proc/timer_stats' },
        { op: 'mask', path: '/proc/sched_debug' },
        { op: 'mask', path: '/proc/scsi' },
        { op: 'mask', path: '/sys/firmware' },
        { op: 'mask', path: '/sys/devices/virtual/powercap' },
      ],
      hostname: '0123456789ab',
      cwd: '/',
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      tty: false,
      stdin: false,
      network: 'none',
      cgroupProcs: ['/sys/fs/cgroup/skiff/c/cgroup.procs'],
      init: false,
      capabilities: DEFAULT_CAPABILITIES,
      noNewPrivileges: false,
      seccomp: 'default',
      user: undefined,
      readonlyRoot: true,
    });
  });

  it('mounts --tmpfs after the volumes; --privileged has no mask and no read-only path', () => {
    const tmpfs = { type: 'tmpfs', source: 'tmpfs', target: '/run', options: ['rw', 'nosuid', 'nodev', 'noexec', 'size=65536k'] };
    const security = { ...config.security, privileged: true, capabilities: 'all' as const, seccomp: 'unconfined' as const, tmpfs: [tmpfs] };
    const plan = launchPlan({ ...config, security }, { rootfs: '/r', mounts, cgroupProcs: [] });
    const last = plan.filesystem.slice(-2).map((op) => (op.op === 'mount' ? op.target : op.op));
    expect(last).toEqual(['/b', '/run']);
    expect(plan.filesystem.filter((op) => op.op === 'mask' || op.op === 'readonly')).toEqual([]);
  });
});

describe('launchPlan: --uts, --cgroupns, --domainname, --oom-score-adj', () => {
  const prepared = { rootfs: '/run/skiff/c/rootfs', mounts, cgroupProcs: [] };
  it('--uts host: the host\'s UTS namespace is left out and no host name is set in it', () => {
    const plan = launchPlan({ ...config, utsMode: 'host', hostname: 'the-host' }, prepared);
    expect(plan.hostname).toBe('');
    expect(plan.namespaces?.map((ns) => ns.type)).toEqual(['mount', 'ipc', 'network', 'pid']);
  });

  it('--cgroupns private adds a new cgroup namespace; host (or nothing) keeps the helper\'s default set', () => {
    expect(launchPlan({ ...config, cgroupnsMode: 'private' }, prepared).namespaces).toEqual([
      { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network' }, { type: 'pid' }, { type: 'cgroup' },
    ]);
    expect(launchPlan({ ...config, cgroupnsMode: 'host' }, prepared).namespaces).toBeUndefined();
  });

  it('--domainname and --oom-score-adj reach the plan only when given', () => {
    const plan = launchPlan({ ...config, domainname: 'example.test', oomScoreAdj: -5 }, prepared);
    expect(plan).toMatchObject({ domainname: 'example.test', oomScoreAdj: -5, hostname: '0123456789ab' });
    const plain = launchPlan(config, prepared);
    expect('domainname' in plain || 'oomScoreAdj' in plain).toBe(false);
  });
});

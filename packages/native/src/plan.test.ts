import { describe, expect, it } from 'vitest';
import { encodeExecPlan, encodePlan, MountFlags, type ExecPlan, type FilesystemOp, type LaunchPlan } from './plan.js';
import { seccompSyscalls } from './seccomp-profile.js';
import { DEFAULT_CAPABILITIES, type CapabilityName } from './security.js';

const fieldsOf = (buffer: Buffer) => buffer.toString('utf8').split('\0').slice(0, -1);

/** The seccomp records of docker's default profile for these capabilities. */
const filterOf = (capabilities: readonly CapabilityName[] | 'all') => [
  'seccomp',
  'filter',
  ...seccompSyscalls(capabilities).flatMap((call) => [
    'syscall', call.name, call.action,
    ...call.args.flatMap((arg) => ['sysarg', String(arg.index), arg.op, String(arg.value), String(arg.valueTwo ?? 0)]),
  ]),
];

const launch: LaunchPlan = {
  rootfs: '/r',
  filesystem: [{ op: 'mount', source: 'overlay', target: '/', fstype: 'overlay', flags: 0, data: '' }],
  hostname: 'h',
  cwd: '/',
  args: ['true'],
  env: [],
  tty: false,
  stdin: false,
  network: 'none',
  cgroupProcs: [],
};

describe('encodePlan: detach and init', () => {
  it('writes no detach records for a foreground plan, even when they are set; its log record stays', () => {
    const fields = fieldsOf(encodePlan({ ...launch, log: '/l', statusFile: '/s', exitCommand: ['/bin/x'] }));
    for (const keyword of ['detach', 'status', 'exitcmd', 'init']) expect(fields).not.toContain(keyword);
    expect(fields.slice(fields.indexOf('log'), fields.indexOf('log') + 2)).toEqual(['log', '/l']);
  });

  it('writes the detach records, the exit command as one record per argument', () => {
    const fields = fieldsOf(
      encodePlan({
        ...launch,
        init: true,
        detach: true,
        log: '/var/log/c.log',
        logMaxBytes: 1024,
        logKeep: 3,
        statusFile: '/run/c/exit.json',
        exitCommand: ['/usr/bin/skiff', 'container cleanup', 'abc'],
      }),
    );
    const tail = fields.slice(fields.indexOf('init'), fields.indexOf('cap'));
    expect(tail).toEqual([
      'init', '1', 'detach', '1', 'log', '/var/log/c.log', 'logmax', '1024', 'logkeep', '3', 'status', '/run/c/exit.json',
      'exitcmd', '/usr/bin/skiff', 'exitcmd', 'container cleanup', 'exitcmd', 'abc',
    ]);
  });

  it('refuses a negative or fractional log size', () => {
    expect(() => encodePlan({ ...launch, detach: true, logMaxBytes: -1 })).toThrow(/logMaxBytes/);
    expect(() => encodePlan({ ...launch, detach: true, logKeep: 1.5 })).toThrow(/logKeep/);
  });
});

describe('encodeExecPlan', () => {
  const plan: ExecPlan = {
    target: 4242,
    args: ['sh', '-c', 'echo "a b"'],
    env: ['PATH=/bin', 'X=1\n2'],
    cwd: '/work',
    tty: true,
    stdin: false,
    cgroupProcs: ['/sys/fs/cgroup/pids/c/cgroup.procs'],
  };

  it('writes target, argv, env, cwd, flags, cgroups and the default security records, ending with end', () => {
    expect(fieldsOf(encodeExecPlan(plan))).toEqual([
      'target', '4242', 'arg', 'sh', 'arg', '-c', 'arg', 'echo "a b"', 'env', 'PATH=/bin', 'env', 'X=1\n2', 'cwd', '/work',
      'tty', '1', 'stdin', '0', 'cgroup', '/sys/fs/cgroup/pids/c/cgroup.procs',
      ...DEFAULT_CAPABILITIES.flatMap((name) => ['cap', name]), 'nonewprivs', '0', ...filterOf(DEFAULT_CAPABILITIES), 'end',
    ]);
  });

  it('writes user as one record with two fields, then one group record per supplementary group', () => {
    const fields = fieldsOf(encodeExecPlan({ ...plan, user: { uid: 65534, gid: 65534, groups: [5, 20] } }));
    const at = fields.indexOf('user');
    expect(fields.slice(at, at + 7)).toEqual(['user', '65534', '65534', 'group', '5', 'group', '20']);
  });

  it("writes the container's privileged set as allcaps, and no cap record", () => {
    const fields = fieldsOf(encodeExecPlan({ ...plan, capabilities: 'all', seccomp: 'unconfined', noNewPrivileges: true }));
    expect(fields).not.toContain('cap');
    expect(fields.slice(fields.indexOf('allcaps'))).toEqual(['allcaps', '1', 'nonewprivs', '1', 'seccomp', 'unconfined', 'end']);
  });

  it('refuses NUL bytes and bad pids', () => {
    expect(() => encodeExecPlan({ ...plan, env: ['A=\0'] })).toThrow(/NUL/);
    expect(() => encodeExecPlan({ ...plan, target: -1 })).toThrow(/target/);
  });
});

describe('encodePlan: security', () => {
  /** The records from the first security keyword to the end. */
  const securityOf = (plan: LaunchPlan) => {
    const fields = fieldsOf(encodePlan(plan));
    const first = fields.findIndex((field, i) => (field === 'cap' || field === 'allcaps') && fields[i - 1] !== 'arg');
    return fields.slice(first);
  };

  it("writes docker's security defaults when the plan says nothing: its capabilities, seccomp on", () => {
    expect(securityOf(launch)).toEqual([...DEFAULT_CAPABILITIES.flatMap((name) => ['cap', name]), 'nonewprivs', '0', ...filterOf(DEFAULT_CAPABILITIES), 'end']);
  });

  it('writes exactly what a privileged plan says: every capability, no filter', () => {
    const plan: LaunchPlan = { ...launch, capabilities: 'all', seccomp: 'unconfined' };
    expect(securityOf(plan)).toEqual(['allcaps', '1', 'nonewprivs', '0', 'seccomp', 'unconfined', 'end']);
  });

  it('writes user, groups and read-only root', () => {
    const plan: LaunchPlan = { ...launch, capabilities: [], noNewPrivileges: true, user: { uid: 1000, gid: 100, groups: [10] }, readonlyRoot: true };
    expect(securityOf({ ...plan, capabilities: ['CAP_KILL'] })).toEqual([
      'cap', 'CAP_KILL', 'nonewprivs', '1', ...filterOf(['CAP_KILL']), 'user', '1000', '100', 'group', '10', 'readonlyroot', '1', 'end',
    ]);
    // No capability at all: not even a cap record (the helper then keeps none).
    expect(fieldsOf(encodePlan(plan))).not.toContain('cap');
  });

  it("writes docker's profile as syscall/sysarg records, with the additions of the container's capabilities", () => {
    const records = (capabilities: readonly CapabilityName[] | 'all') => {
      const fields = fieldsOf(encodePlan({ ...launch, capabilities }));
      const lines: string[] = [];
      for (let i = fields.indexOf('syscall'); fields[i] === 'syscall' || fields[i] === 'sysarg'; i += fields[i] === 'syscall' ? 3 : 5) {
        lines.push(fields.slice(i, i + (fields[i] === 'syscall' ? 3 : 5)).join(' '));
      }
      return lines;
    };
    const plain = records(DEFAULT_CAPABILITIES);
    expect(plain).toContain('syscall read allow');
    expect(plain).toContain('syscall chroot allow'); // CAP_SYS_CHROOT is one of docker's defaults
    expect(plain).not.toContain('syscall mount allow');
    expect(plain).not.toContain('syscall memfd_secret allow');
    const at = (lines: string[], line: string) => lines.slice(lines.indexOf(line), lines.indexOf(line) + 2);
    expect(at(plain, 'syscall clone allow')).toEqual(['syscall clone allow', `sysarg 0 MASKED_EQ ${0x7e020000} 0`]);
    expect(at(plain, 'syscall socket allow')[1]).not.toMatch(/^sysarg/);
    expect(at(plain, 'syscall socket EPERM')).toEqual(['syscall socket EPERM', `sysarg 0 MASKED_EQ ${0xffffffff} 40`]);
    expect(at(plain, 'syscall ioctl EPERM')).toEqual(['syscall ioctl EPERM', `sysarg 1 MASKED_EQ ${0xffffffff} ${0x5412}`]);
    expect(plain).toContain('syscall clone3 ENOSYS');
    const admin = records([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']);
    expect(admin).toContain('syscall mount allow');
    expect(admin).toContain('syscall clone3 allow');
    expect(admin).not.toContain('syscall clone3 ENOSYS');
    expect(at(admin, 'syscall clone allow')[1]).not.toMatch(/^sysarg/);
    expect(records([])).not.toContain('syscall chroot allow');
    expect(records('all')).toContain('syscall reboot allow');
  });

  it('refuses unknown capabilities', () => {
    expect(() => encodePlan({ ...launch, capabilities: ['CAP_NOPE' as never] })).toThrow(/unknown capability CAP_NOPE/);
  });

  it('writes seccompcache after the filter, only when there is a filter to cache; the path must be absolute', () => {
    const fields = fieldsOf(encodePlan({ ...launch, seccompCache: '/run/skiff/seccomp' }));
    expect(fields.slice(fields.indexOf('seccompcache'), fields.indexOf('seccompcache') + 2)).toEqual(['seccompcache', '/run/skiff/seccomp']);
    expect(fields.lastIndexOf('syscall')).toBeLessThan(fields.indexOf('seccompcache'));
    expect(fieldsOf(encodePlan(launch))).not.toContain('seccompcache');
    expect(fieldsOf(encodePlan({ ...launch, seccomp: 'unconfined', seccompCache: '/c' }))).not.toContain('seccompcache');
    expect(fieldsOf(encodeExecPlan({ target: 1, args: ['true'], env: [], cwd: '/', tty: false, stdin: false, cgroupProcs: [], seccompCache: '/c' }))).toContain('seccompcache');
    expect(() => encodePlan({ ...launch, seccompCache: 'run/seccomp' })).toThrow(/seccompCache path must be absolute/);
  });
});

describe('encodePlan: filesystem', () => {
  const root = launch.filesystem[0]!;
  const withOps = (...ops: FilesystemOp[]): LaunchPlan => ({ ...launch, filesystem: [root, ...ops] });
  /** The records from rootfs up to hostname: the filesystem operations. */
  const filesystemOf = (plan: LaunchPlan) => {
    const fields = fieldsOf(encodePlan(plan));
    return fields.slice(2, fields.indexOf('hostname'));
  };

  it('writes every operation in plan order, the mount options as a last field', () => {
    const { MS_BIND, MS_REC, MS_RDONLY } = MountFlags;
    const plan = withOps(
      { op: 'mount', source: 'mqueue', target: '/dev/mqueue', fstype: 'mqueue', flags: 0, data: '', optional: true },
      { op: 'device', path: '/dev/fuse', type: 'c', major: 10, minor: 229, mode: 0o666 },
      { op: 'mount', source: '/sys', target: '/sys', fstype: '', flags: MS_BIND | MS_REC | MS_RDONLY, data: '', recursive: true },
      { op: 'symlink', path: '/dev/fd', to: '/proc/self/fd' },
      { op: 'readonly', path: '/proc/sys' },
      { op: 'mask', path: '/proc/kcore' },
    );
    expect(filesystemOf(plan)).toEqual([
      'mount', 'overlay', '/', 'overlay', '0', '', '',
      'mount', 'mqueue', '/dev/mqueue', 'mqueue', '0', '', 'optional',
      'device', '/dev/fuse', 'c', '10', '229', '666',
      'mount', '/sys', '/sys', '', String(MS_BIND | MS_REC | MS_RDONLY), '', 'recursive',
      'symlink', '/dev/fd', '/proc/self/fd',
      'readonly', '/proc/sys',
      'mask', '/proc/kcore',
    ]);
  });

  it('refuses a plan that does not start with the root mount', () => {
    expect(() => encodePlan({ ...launch, filesystem: [] })).toThrow(/start with the mount of '\/'/);
    expect(() => encodePlan({ ...launch, filesystem: [{ op: 'mask', path: '/proc/kcore' }, root] })).toThrow(/start with/);
  });

  it('refuses relative paths, a recursive mount that is no bind, and malformed devices', () => {
    expect(() => encodePlan(withOps({ op: 'mask', path: 'proc/kcore' }))).toThrow(/mask path must be absolute/);
    expect(() => encodePlan(withOps({ op: 'symlink', path: 'fd', to: '/proc/self/fd' }))).toThrow(/symlink path must be absolute/);
    const tmpfs = { op: 'mount', source: 'tmpfs', target: '/t', fstype: 'tmpfs', flags: MountFlags.MS_RDONLY, data: '', recursive: true } as const;
    expect(() => encodePlan(withOps(tmpfs))).toThrow(/recursive mount on \/t must be a bind/);
    const device = { op: 'device', path: '/dev/x', type: 'c' as const, major: 1, minor: 3, mode: 0o666 } as const;
    expect(() => encodePlan(withOps({ ...device, path: 'dev/x' }))).toThrow(/absolute/);
    expect(() => encodePlan(withOps({ ...device, type: 'x' as never }))).toThrow(/type/);
    expect(() => encodePlan(withOps({ ...device, mode: 0o10000 }))).toThrow(/mode/);
    expect(() => encodePlan(withOps({ ...device, major: -1 }))).toThrow(/major/);
  });
});

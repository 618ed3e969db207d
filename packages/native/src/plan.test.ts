import { describe, expect, it } from 'vitest';
import { encodeExecPlan, encodePlan, type ExecPlan, type LaunchPlan } from './plan.js';
import { DEFAULT_CAPABILITIES, DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from './security.js';

const fieldsOf = (buffer: Buffer) => buffer.toString('utf8').split('\0').slice(0, -1);

const launch: LaunchPlan = {
  rootfs: '/r',
  mounts: [{ source: 'overlay', target: '/', fstype: 'overlay', flags: 0, data: '' }],
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
  it('writes no detach records for a foreground plan, even when they are set', () => {
    const fields = fieldsOf(encodePlan({ ...launch, log: '/l', statusFile: '/s', exitCommand: ['/bin/x'] }));
    for (const keyword of ['detach', 'log', 'status', 'exitcmd', 'init']) expect(fields).not.toContain(keyword);
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
      ...DEFAULT_CAPABILITIES.flatMap((name) => ['cap', name]), 'nonewprivs', '0', 'seccomp', 'default', 'end',
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

  it("writes docker's defaults when the plan says nothing: its capabilities, seccomp on, masks, read-only paths", () => {
    expect(securityOf(launch)).toEqual([
      ...DEFAULT_CAPABILITIES.flatMap((name) => ['cap', name]),
      'nonewprivs', '0', 'seccomp', 'default',
      ...DEFAULT_MASKED_PATHS.flatMap((path) => ['mask', path]),
      ...DEFAULT_READONLY_PATHS.flatMap((path) => ['readonly', path]),
      'end',
    ]);
  });

  it('writes exactly what a privileged plan says: every capability, no filter, no mask, no read-only path', () => {
    const plan: LaunchPlan = { ...launch, capabilities: 'all', seccomp: 'unconfined', maskedPaths: [], readonlyPaths: [] };
    expect(securityOf(plan)).toEqual(['allcaps', '1', 'nonewprivs', '0', 'seccomp', 'unconfined', 'end']);
  });

  it('writes user, groups, read-only root and devices (mode in octal)', () => {
    const plan: LaunchPlan = {
      ...launch,
      capabilities: [],
      noNewPrivileges: true,
      user: { uid: 1000, gid: 100, groups: [10] },
      maskedPaths: [],
      readonlyPaths: ['/proc/sys'],
      readonlyRoot: true,
      devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, mode: 0o666 }],
    };
    expect(securityOf({ ...plan, capabilities: ['CAP_KILL'] })).toEqual([
      'cap', 'CAP_KILL', 'nonewprivs', '1', 'seccomp', 'default', 'user', '1000', '100', 'group', '10',
      'readonly', '/proc/sys', 'readonlyroot', '1', 'device', '/dev/fuse', 'c', '10', '229', '666', 'end',
    ]);
    // No capability at all: not even a cap record (the helper then keeps none).
    expect(fieldsOf(encodePlan(plan))).not.toContain('cap');
  });

  it('refuses unknown capabilities and malformed devices', () => {
    expect(() => encodePlan({ ...launch, capabilities: ['CAP_NOPE' as never] })).toThrow(/unknown capability CAP_NOPE/);
    const device = { path: '/dev/x', type: 'c' as const, major: 1, minor: 3, mode: 0o666 };
    expect(() => encodePlan({ ...launch, devices: [{ ...device, path: 'dev/x' }] })).toThrow(/absolute/);
    expect(() => encodePlan({ ...launch, devices: [{ ...device, type: 'p' as never }] })).toThrow(/type/);
    expect(() => encodePlan({ ...launch, devices: [{ ...device, mode: 0o10000 }] })).toThrow(/mode/);
    expect(() => encodePlan({ ...launch, devices: [{ ...device, major: -1 }] })).toThrow(/major/);
  });
});

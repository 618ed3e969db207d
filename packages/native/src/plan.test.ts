import { describe, expect, it } from 'vitest';
import { encodeExecPlan, encodePlan, type ExecPlan, type LaunchPlan } from './plan.js';

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
    const tail = fields.slice(fields.indexOf('init'));
    expect(tail).toEqual([
      'init', '1', 'detach', '1', 'log', '/var/log/c.log', 'logmax', '1024', 'logkeep', '3', 'status', '/run/c/exit.json',
      'exitcmd', '/usr/bin/skiff', 'exitcmd', 'container cleanup', 'exitcmd', 'abc', 'end',
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

  it('writes target, argv, env, cwd, flags and cgroups, ending with end', () => {
    expect(fieldsOf(encodeExecPlan(plan))).toEqual([
      'target', '4242', 'arg', 'sh', 'arg', '-c', 'arg', 'echo "a b"', 'env', 'PATH=/bin', 'env', 'X=1\n2', 'cwd', '/work',
      'tty', '1', 'stdin', '0', 'cgroup', '/sys/fs/cgroup/pids/c/cgroup.procs', 'end',
    ]);
  });

  it('writes user as one record with two fields', () => {
    const fields = fieldsOf(encodeExecPlan({ ...plan, user: { uid: 65534, gid: 65534 } }));
    const at = fields.indexOf('user');
    expect(fields.slice(at, at + 3)).toEqual(['user', '65534', '65534']);
  });

  it('refuses NUL bytes and bad pids', () => {
    expect(() => encodeExecPlan({ ...plan, env: ['A=\0'] })).toThrow(/NUL/);
    expect(() => encodeExecPlan({ ...plan, target: -1 })).toThrow(/target/);
  });
});

// Constants shared by C and TypeScript must agree: the wire format's records, the exit codes, mount flags.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  CAPABILITIES,
  DETACH_KEYS_MAX,
  DEFAULT_CAPABILITIES,
  encodeExecPlan,
  FORWARDED_SIGNALS,
  encodePlan,
  EXEC_PLAN_RECORDS,
  HelperExitCode,
  helperPath,
  MOUNT_OPTIONS,
  MountFlags,
  PLAN_RECORDS,
  SECCOMP_DEFAULT_ERRNO,
  SECCOMP_NEWER_ERRNO,
  SECCOMP_PROFILE,
  STATUS_FILE_SIZE,
  type LaunchPlan,
} from '../src/index.js';

type Table = Record<string, number>;

interface HelperConstants {
  records: Table;
  execRecords: Table;
  mountOptions: Table;
  exits: Table;
  sizes: Table;
  flags: Table;
  caps: Table;
  signals: Table;
  /** `seccomp default EPERM`, `seccomp newer ENOSYS`, `seccomp op NE`: what the helper's filter knows. */
  seccomp: Record<string, string[]>;
}

function helperConstants(): HelperConstants {
  const out = execFileSync(helperPath(), ['constants'], { encoding: 'utf8' });
  const result: HelperConstants = { records: {}, execRecords: {}, mountOptions: {}, exits: {}, sizes: {}, flags: {}, caps: {}, signals: {}, seccomp: {} };
  const tables: Record<string, Table> = {
    record: result.records,
    execrecord: result.execRecords,
    mountoption: result.mountOptions,
    exit: result.exits,
    size: result.sizes,
    flag: result.flags,
    cap: result.caps,
    signal: result.signals,
  };
  for (const line of out.trim().split('\n')) {
    const [kind, name, value] = line.split(' ') as [string, string, string];
    if (kind === 'seccomp') (result.seccomp[name] ??= []).push(value);
    else tables[kind]![name] = Number(value);
  }
  return result;
}

/** Walks an encoded plan by the field counts of table; returns the keywords seen. */
function keywordsOf(buffer: Buffer, table: Table): string[] {
  const fields = buffer.toString('utf8').split('\0').slice(0, -1);
  const seen = new Set<string>();
  for (let i = 0; i < fields.length; ) {
    const keyword = fields[i]!;
    expect(table).toHaveProperty(keyword);
    seen.add(keyword);
    i += 1 + table[keyword]!;
  }
  return [...seen].sort();
}

describe('constants shared with c/', () => {
  const c = helperConstants();

  it('has the same plan records and field counts (src/plan.ts ↔ c/plan.c)', () => {
    expect(c.records).toEqual(PLAN_RECORDS);
  });

  it('has the same exec plan records and field counts (src/plan.ts ↔ c/plan.c)', () => {
    expect(c.execRecords).toEqual(EXEC_PLAN_RECORDS);
  });

  it('encodes every record with its field count', () => {
    const full: LaunchPlan = {
      rootfs: '/r',
      filesystem: [
        { op: 'mount', source: 's', target: '/', fstype: 't', flags: 1, data: 'd' },
        { op: 'mount', source: 'mqueue', target: '/m', fstype: 'mqueue', flags: 0, data: '', optional: true },
        { op: 'device', path: '/dev/x', type: 'c', major: 1, minor: 3, mode: 0o600 },
        { op: 'symlink', path: '/dev/fd', to: '/proc/self/fd' },
        { op: 'readonly', path: '/proc/sys' },
        { op: 'mask', path: '/proc/kcore' },
        { op: 'mount', source: '/v', target: '/v', fstype: '', flags: 4096, data: '', hostPath: { createMode: 0o755 } },
        { op: 'mount', source: 'overlay', target: '/o', fstype: 'overlay', flags: 0, data: 'workdir=/w', hostPathOptions: ['workdir'] },
        { op: 'sysctl', key: 'net.ipv4.ip_forward', value: '1' },
      ],
      hostname: 'h',
      cwd: '/',
      args: ['a'],
      env: ['E=1'],
      tty: true,
      stdin: false,
      network: 'none',
      netns: '/run/netns/n',
      netnsDrop: true,
      cgroupProcs: ['/c'],
      init: true,
      detach: true,
      log: '/l',
      logMaxBytes: 10,
      logKeep: 2,
      statusFile: '/s',
      exitCommand: ['/x', 'y'],
      attachSocket: '/a/attach.sock',
      detachKeys: Buffer.from([0x10, 0x11]),
      restart: { mode: 'on-failure', maxRetries: 3, stopSignal: 15 },
      health: { planFile: '/h', stateFile: '/hs', intervalMs: 1000, timeoutMs: 1000, startPeriodMs: 0, startIntervalMs: 500, retries: 3 },
      noNewPrivileges: true,
      user: { uid: 1, gid: 2, groups: [3] },
      readonlyRoot: true,
      umask: 0o027,
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }],
      namespaces: [{ type: 'mount' }, { type: 'network', path: '/proc/1/ns/net' }, { type: 'user' }],
      uidMappings: [{ inside: 0, outside: 100000, count: 65536 }],
      gidMappings: [{ inside: 0, outside: 100000, count: 65536 }],
      waitFifo: '/f',
      consoleSocket: '/sock',
      consoleSize: { cols: 80, rows: 24 },
      domainname: 'd',
      oomScoreAdj: -5,
      rootPropagation: 'rshared',
      inheritable: ['CAP_KILL'],
      ambient: ['CAP_KILL'],
      seccompCache: '/run/skiff/seccomp',
    };
    // cap and allcaps exclude each other: two plans cover both.
    const own = { syscalls: [{ name: 'read', action: 'allow' as const, args: [] }], defaultAction: 'ENOSYS' as const };
    const seen = [...keywordsOf(encodePlan(full), PLAN_RECORDS), ...keywordsOf(encodePlan({ ...full, capabilities: 'all', seccomp: own }), PLAN_RECORDS)];
    expect([...new Set(seen)].sort()).toEqual(Object.keys(PLAN_RECORDS).sort());
  });

  it('encodes every exec record with its field count', () => {
    const plan = { target: 1, args: ['a'], env: ['E=1'], cwd: '/', tty: false, stdin: true, cgroupProcs: ['/c'] };
    const full = { ...plan, inheritable: ['CAP_KILL' as const], ambient: ['CAP_KILL' as const], user: { uid: 1, gid: 2, groups: [3] }, umask: 0o22, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 2 }], passthrough: true, detach: true, consoleSocket: '/s', consoleSize: { cols: 1, rows: 2 }, seccompCache: '/run/skiff/seccomp' };
    const own = { syscalls: [{ name: 'read', action: 'allow' as const, args: [] }], defaultAction: 'ENOSYS' as const };
    const seen = [...keywordsOf(encodeExecPlan(full), EXEC_PLAN_RECORDS), ...keywordsOf(encodeExecPlan({ ...full, capabilities: 'all', seccomp: own }), EXEC_PLAN_RECORDS)];
    expect([...new Set(seen)].sort()).toEqual(Object.keys(EXEC_PLAN_RECORDS).sort());
  });

  it('has the same mount record options (src/plan.ts ↔ c/plan.c)', () => {
    expect(Object.keys(c.mountOptions)).toEqual([...MOUNT_OPTIONS]);
  });

  it('has the same exit codes (src/plan.ts ↔ c/helper.h)', () => {
    expect(c.exits).toEqual({
      EXIT_SETUP: HelperExitCode.SETUP_FAILED,
      EXIT_CANNOT_RUN: HelperExitCode.CANNOT_RUN,
      EXIT_NOT_FOUND: HelperExitCode.NOT_FOUND,
    });
  });

  it('has the same exit status file size and detach sequence limit (src/status-file.ts, src/plan.ts ↔ c/helper.h)', () => {
    expect(c.sizes).toEqual({ STATUS_FILE_SIZE, DETACH_KEYS_MAX });
  });

  it('has the mount flag values of <sys/mount.h>', () => {
    expect(c.flags).toEqual(MountFlags);
  });

  it('forwards the same signals (src/signals.ts ↔ c/signals.c)', () => {
    expect(Object.values(c.signals)).toEqual(FORWARDED_SIGNALS.map((name) => constants.signals[name]));
  });

  it('has the capability names and numbers of <linux/capability.h> (src/security.ts ↔ c/caps.c)', () => {
    expect(c.caps).toEqual(CAPABILITIES);
    expect(Math.max(...Object.values(CAPABILITIES))).toBeGreaterThanOrEqual(Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')));
    for (const name of DEFAULT_CAPABILITIES) expect(CAPABILITIES).toHaveProperty(name);
  });

  it('has the seccomp answers and operators of the profile (src/seccomp-profile.ts ↔ c/seccomp.c)', () => {
    expect(c.seccomp.default).toEqual([SECCOMP_DEFAULT_ERRNO]);
    expect(c.seccomp.newer).toEqual([SECCOMP_NEWER_ERRNO]);
    const used = new Set(SECCOMP_PROFILE.flatMap((rule) => (rule.args ?? []).map((arg) => arg.op)));
    for (const op of used) expect(c.seccomp.op).toContain(op);
  });
});

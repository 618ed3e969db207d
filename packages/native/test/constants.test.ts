// Constants shared by C and TypeScript must agree: the wire format's records, the exit codes, mount flags.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { encodeExecPlan, encodePlan, EXEC_PLAN_RECORDS, HelperExitCode, helperPath, MountFlags, PLAN_RECORDS } from '../src/index.js';

type Table = Record<string, number>;

function helperConstants(): { records: Table; execRecords: Table; exits: Table; flags: Table } {
  const out = execFileSync(helperPath(), ['constants'], { encoding: 'utf8' });
  const result = { records: {} as Table, execRecords: {} as Table, exits: {} as Table, flags: {} as Table };
  const tables: Record<string, Table> = { record: result.records, execrecord: result.execRecords, exit: result.exits, flag: result.flags };
  for (const line of out.trim().split('\n')) {
    const [kind, name, value] = line.split(' ') as [string, string, string];
    tables[kind]![name] = Number(value);
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
    const plan = encodePlan({
      rootfs: '/r',
      mounts: [{ source: 's', target: '/', fstype: 't', flags: 1, data: 'd' }],
      hostname: 'h',
      cwd: '/',
      args: ['a'],
      env: ['E=1'],
      tty: true,
      stdin: false,
      network: 'host',
      cgroupProcs: ['/c'],
      init: true,
      detach: true,
      log: '/l',
      logMaxBytes: 10,
      logKeep: 2,
      statusFile: '/s',
      exitCommand: ['/x', 'y'],
    });
    expect(keywordsOf(plan, PLAN_RECORDS)).toEqual(Object.keys(PLAN_RECORDS).sort());
  });

  it('encodes every exec record with its field count', () => {
    const plan = encodeExecPlan({
      target: 1,
      args: ['a'],
      env: ['E=1'],
      cwd: '/',
      tty: false,
      stdin: true,
      user: { uid: 1, gid: 2 },
      cgroupProcs: ['/c'],
    });
    expect(keywordsOf(plan, EXEC_PLAN_RECORDS)).toEqual(Object.keys(EXEC_PLAN_RECORDS).sort());
  });

  it('has the same exit codes (src/plan.ts ↔ c/helper.h)', () => {
    expect(c.exits).toEqual({
      EXIT_SETUP: HelperExitCode.SETUP_FAILED,
      EXIT_CANNOT_RUN: HelperExitCode.CANNOT_RUN,
      EXIT_NOT_FOUND: HelperExitCode.NOT_FOUND,
    });
  });

  it('has the mount flag values of <sys/mount.h>', () => {
    expect(c.flags).toEqual(MountFlags);
  });
});

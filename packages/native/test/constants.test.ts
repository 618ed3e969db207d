// Constants shared by C and TypeScript must agree: the wire format's records, the exit codes, mount flags.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { encodePlan, HelperExitCode, helperPath, MountFlags, PLAN_RECORDS } from '../src/index.js';

function helperConstants(): { records: Record<string, number>; exits: Record<string, number>; flags: Record<string, number> } {
  const out = execFileSync(helperPath(), ['constants'], { encoding: 'utf8' });
  const result = { records: {} as Record<string, number>, exits: {} as Record<string, number>, flags: {} as Record<string, number> };
  for (const line of out.trim().split('\n')) {
    const [kind, name, value] = line.split(' ') as [string, string, string];
    const table = kind === 'record' ? result.records : kind === 'exit' ? result.exits : result.flags;
    table[name] = Number(value);
  }
  return result;
}

describe('constants shared with c/', () => {
  const c = helperConstants();

  it('has the same plan records and field counts (src/plan.ts ↔ c/plan.c)', () => {
    expect(c.records).toEqual(PLAN_RECORDS);
  });

  it('encodes every record with its field count', () => {
    const fields = encodePlan({
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
    })
      .toString('utf8')
      .split('\0')
      .slice(0, -1);
    const seen = new Set<string>();
    for (let i = 0; i < fields.length; ) {
      const keyword = fields[i]! as keyof typeof PLAN_RECORDS;
      expect(PLAN_RECORDS).toHaveProperty(keyword);
      seen.add(keyword);
      i += 1 + PLAN_RECORDS[keyword];
    }
    expect([...seen].sort()).toEqual(Object.keys(PLAN_RECORDS).sort());
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

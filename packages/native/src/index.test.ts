import { isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePlan, helperPath, type LaunchPlan } from './index.js';

describe('helperPath', () => {
  it('points at bin/skiff-helper of this package', () => {
    const path = helperPath();
    expect(isAbsolute(path)).toBe(true);
    expect(path).toMatch(/packages\/native\/bin\/skiff-helper$/);
  });
});

describe('encodePlan', () => {
  const plan: LaunchPlan = {
    rootfs: '/r',
    filesystem: [{ op: 'mount', source: 'overlay', target: '/', fstype: 'overlay', flags: 0, data: 'lowerdir=/l' }],
    hostname: 'h',
    cwd: '/',
    args: ['sh', '-c', 'a b\n"q"'],
    env: ['PATH=/bin'],
    tty: false,
    stdin: true,
    network: 'none',
    cgroupProcs: [],
  };

  it('writes NUL-terminated records ending with end, argv bytes intact', () => {
    const fields = encodePlan(plan).toString('utf8').split('\0');
    expect(fields.at(-1)).toBe('');
    expect(fields.at(-2)).toBe('end');
    expect(fields).toContain('a b\n"q"');
    expect(fields.slice(0, 2)).toEqual(['rootfs', '/r']);
  });

  it('refuses a NUL byte', () => {
    expect(() => encodePlan({ ...plan, args: ['a\0b'] })).toThrow(/NUL/);
  });
});

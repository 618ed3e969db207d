import { describe, expect, it } from 'vitest';
import { containerFilesystem } from './defaults.js';
import { MountFlags, type FilesystemOp, type MountSyscall } from './plan.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from './security.js';

const { MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC } = MountFlags;
const root: MountSyscall = { source: 'overlay', target: '/', fstype: 'overlay', flags: 0, data: 'lowerdir=/l' };
const targetsOf = (ops: FilesystemOp[]) => ops.map((op) => `${op.op} ${op.op === 'mount' ? op.target : op.path}`);

describe('containerFilesystem', () => {
  it('with network none mounts a sysfs of its own, read-only', () => {
    const sys = containerFilesystem({ mounts: [root], network: 'none' }).find((op) => op.op === 'mount' && op.target === '/sys');
    expect(sys).toEqual({ op: 'mount', source: 'sysfs', target: '/sys', fstype: 'sysfs', flags: MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, data: '' });
  });

  it("with network host binds the host's /sys, read-only all the way down", () => {
    const sys = containerFilesystem({ mounts: [root], network: 'host' }).find((op) => op.op === 'mount' && op.target === '/sys');
    expect(sys).toEqual({
      op: 'mount', source: '/sys', target: '/sys', fstype: '', flags: MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, data: '', recursive: true,
    });
  });

  it('puts the other mounts after the system mounts, then --device nodes, read-only paths and masks last', () => {
    const volume: MountSyscall = { source: '/srv', target: '/dev/shm', fstype: '', flags: MS_BIND, data: '' };
    const device = { path: '/dev/fuse', type: 'c' as const, major: 10, minor: 229, mode: 0o666 };
    const ops = containerFilesystem({ mounts: [root, volume], network: 'none', devices: [device], readonlyPaths: ['/proc/sys'], maskedPaths: ['/proc/kcore'] });
    expect(targetsOf(ops).slice(-6)).toEqual(['mount /dev/mqueue', 'mount /sys', 'mount /dev/shm', 'device /dev/fuse', 'readonly /proc/sys', 'mask /proc/kcore']);
  });

  it("masks docker's paths unless told otherwise ([] for --privileged)", () => {
    const paths = (ops: FilesystemOp[], kind: 'mask' | 'readonly') => ops.flatMap((op) => (op.op === kind ? [op.path] : []));
    const defaults = containerFilesystem({ mounts: [root], network: 'none' });
    expect(paths(defaults, 'mask')).toEqual(DEFAULT_MASKED_PATHS);
    expect(paths(defaults, 'readonly')).toEqual(DEFAULT_READONLY_PATHS);
    const privileged = containerFilesystem({ mounts: [root], network: 'none', maskedPaths: [], readonlyPaths: [] });
    expect(privileged.filter((op) => op.op === 'mask' || op.op === 'readonly')).toEqual([]);
  });

  it('refuses mounts that do not start with the root', () => {
    expect(() => containerFilesystem({ mounts: [], network: 'none' })).toThrow(/root filesystem/);
    expect(() => containerFilesystem({ mounts: [{ ...root, target: '/data' }], network: 'none' })).toThrow(/root filesystem/);
  });
});

import { describe, expect, it } from 'vitest';
import { mountToSyscall } from './mount-options.js';
import { MountFlags } from './plan.js';

const { MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE, MS_SLAVE, MS_SHARED } = MountFlags;

describe('mountToSyscall', () => {
  it('turns an overlay description into flags and data', () => {
    const result = mountToSyscall({
      type: 'overlay',
      source: 'overlay',
      target: '/',
      options: ['lowerdir=/l1:/l2', 'upperdir=/u', 'workdir=/w', 'nosuid', 'nodev'],
    });
    expect(result).toEqual({
      source: 'overlay',
      target: '/',
      fstype: 'overlay',
      flags: MS_NOSUID | MS_NODEV,
      data: 'lowerdir=/l1:/l2,upperdir=/u,workdir=/w',
    });
  });

  it('makes type bind a bind mount with an empty fstype', () => {
    const result = mountToSyscall({ type: 'bind', source: '/srv', target: '/data', options: ['ro'] });
    expect(result).toEqual({ source: '/srv', target: '/data', fstype: '', flags: MS_BIND | MS_RDONLY, data: '' });
  });

  it('maps rbind to MS_BIND|MS_REC and the r-prefixed propagation words to MS_REC', () => {
    expect(mountToSyscall({ type: 'none', source: '/a', target: '/b', options: ['rbind'] }).flags).toBe(MS_BIND | MS_REC);
    expect(mountToSyscall({ type: 'none', source: '', target: '/b', options: ['rprivate'] }).flags).toBe(MS_PRIVATE | MS_REC);
    expect(mountToSyscall({ type: 'none', source: '', target: '/b', options: ['rslave'] }).flags).toBe(MS_SLAVE | MS_REC);
    expect(mountToSyscall({ type: 'none', source: '', target: '/b', options: ['rshared'] }).flags).toBe(MS_SHARED | MS_REC);
    expect(mountToSyscall({ type: 'none', source: '', target: '/b', options: ['private'] }).flags).toBe(MS_PRIVATE);
  });

  it('knows every mount(8) flag word', () => {
    const words: Record<string, number> = {
      ro: MS_RDONLY,
      nosuid: MS_NOSUID,
      nodev: MS_NODEV,
      noexec: MS_NOEXEC,
      relatime: MountFlags.MS_RELATIME,
      noatime: MountFlags.MS_NOATIME,
      strictatime: MountFlags.MS_STRICTATIME,
      nodiratime: MountFlags.MS_NODIRATIME,
      bind: MS_BIND,
      remount: MountFlags.MS_REMOUNT,
      slave: MS_SLAVE,
      shared: MS_SHARED,
    };
    for (const [word, flag] of Object.entries(words)) {
      expect(mountToSyscall({ type: 'tmpfs', source: 'tmpfs', target: '/t', options: [word] })).toMatchObject({
        flags: flag,
        data: '',
      });
    }
  });

  it('lets a later word undo an earlier one, as mount(8) does', () => {
    const options = ['ro', 'nosuid', 'nodev', 'noexec', 'relatime', 'rw', 'suid', 'dev', 'exec', 'norelatime'];
    expect(mountToSyscall({ type: 'tmpfs', source: 'tmpfs', target: '/t', options }).flags).toBe(0);
  });

  it('keeps unknown options as data, in order, and ignores defaults and empty words', () => {
    const result = mountToSyscall({
      type: 'tmpfs',
      source: 'tmpfs',
      target: '/tmp',
      options: ['defaults', 'size=64m', '', 'mode=1777', 'noexec', 'uid=0'],
    });
    expect(result).toMatchObject({ flags: MS_NOEXEC, data: 'size=64m,mode=1777,uid=0' });
  });

  it('does not treat inherited object keys as flag words', () => {
    expect(mountToSyscall({ type: 'x', source: 'x', target: '/x', options: ['toString', 'constructor'] })).toMatchObject({
      flags: 0,
      data: 'toString,constructor',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { MountFlags, mountDataLength, splitMountOptions } from './mount-options.js';

describe('mount options', () => {
  it('counts only data words against the page limit', () => {
    expect(mountDataLength(['ro', 'lowerdir=/a', 'rbind', 'upperdir=/b'])).toBe('lowerdir=/a,upperdir=/b'.length);
  });

  it('lets a later word undo an earlier one, as mount(8) does', () => {
    expect(splitMountOptions(['ro', 'nosuid', 'rw', 'size=1m'])).toEqual({ flags: MountFlags.MS_NOSUID, data: 'size=1m' });
  });
});

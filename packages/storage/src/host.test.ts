import { describe, expect, it } from 'vitest';
import { FS_MAGIC, filesystemListed, filesystemName, filesystemType } from './host.js';
import { checkId, mountDataLength } from './plan.js';

describe('host probing', () => {
  it('reads /proc/filesystems lines with and without nodev', () => {
    const text = 'nodev\tsysfs\nnodev\toverlay\n\text4\n\tfuseblk\nnodev\tfuse\n';
    expect(filesystemListed(text, 'overlay')).toBe(true);
    expect(filesystemListed(text, 'ext4')).toBe(true);
    expect(filesystemListed(text, 'fuse')).toBe(true);
    expect(filesystemListed(text, 'aufs')).toBe(false);
    expect(filesystemListed(text, 'over')).toBe(false);
  });

  it('statfs of a missing path falls back to its nearest existing ancestor', async () => {
    expect(await filesystemType('/tmp/skiff-does-not-exist/a/b')).toBe(await filesystemType('/tmp'));
  });

  it('names the filesystems it refuses', () => {
    expect(filesystemName(FS_MAGIC.overlay)).toBe('overlayfs');
    expect(filesystemName(FS_MAGIC.nfs)).toBe('NFS');
    expect(filesystemName(0xef53)).toBe('filesystem type 0xef53');
  });
});

describe('plan helpers', () => {
  it('counts only data words against the page limit', () => {
    expect(mountDataLength(['ro', 'lowerdir=/a', 'rbind', 'upperdir=/b'])).toBe('lowerdir=/a,upperdir=/b'.length);
  });

  it('accepts ordinary container ids and refuses path-like ones', () => {
    for (const id of ['c1', 'a'.repeat(64), 'my_container.1-x']) expect(() => checkId(id)).not.toThrow();
    for (const id of ['', '.', '..', '../x', 'a/b', '-x', 'a'.repeat(129), 'a\nb']) expect(() => checkId(id)).toThrow(/invalid container id/);
  });
});

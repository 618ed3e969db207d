import { describe, expect, it } from 'vitest';
import { FS_MAGIC, filesystemListed, filesystemName, filesystemType } from './filesystems.js';
import { mountDataLength } from './mount-options.js';

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

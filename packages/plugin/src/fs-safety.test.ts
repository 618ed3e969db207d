import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { SkiffError } from './errors.js';
import { MAX_SYMLINKS, directoryIdentity, removeDirectoryAt, removeTree, resolveInRoot } from './fs-safety.js';
import { mountOf, mountPointsUnder, parseMountInfo } from './mountinfo.js';

const inside = (root: string, path: string) => path === root || path.startsWith(`${root}/`);

describe('parseMountInfo', () => {
  it('decodes octal escapes and finds fstype after the optional fields', () => {
    const text =
      '36 25 0:32 / /mnt/my\\040data\\011x rw,relatime shared:5 master:1 - tmpfs my\\134src rw\n' +
      '40 26 254:0 /sub / rw - ext4 /dev/vda rw,errors=continue\n';
    const [first, second] = parseMountInfo(text);
    expect(first).toEqual({ mountId: 36, parentId: 25, device: '0:32', root: '/', mountPoint: '/mnt/my data\tx', fsType: 'tmpfs', source: 'my\\src', superOptions: ['rw'] });
    expect(second).toMatchObject({ root: '/sub', mountPoint: '/', fsType: 'ext4', superOptions: ['rw', 'errors=continue'] });
  });
});

describe('mountPointsUnder', () => {
  const mounts = parseMountInfo(
    ['1 0 8:1 / / rw - ext4 /dev/a rw', '2 1 0:1 / /srv/data rw - tmpfs t rw', '3 1 0:2 / /srv/data2 rw - tmpfs t rw', '4 2 0:3 / /srv/data/x\\040y rw - tmpfs t rw'].join('\n'),
  );

  it('lists the path itself and mounts below it, not siblings sharing a prefix', () => {
    expect(mountPointsUnder('/srv/data', mounts)).toEqual(['/srv/data', '/srv/data/x y']);
    expect(mountPointsUnder('/srv/data/', mounts)).toEqual(['/srv/data', '/srv/data/x y']);
    expect(mountPointsUnder('/srv/dat', mounts)).toEqual([]);
    expect(mountPointsUnder('/srv', mounts)).toEqual(['/srv/data', '/srv/data2', '/srv/data/x y']);
  });

  it('reads the real mountinfo: / always has a mount', () => {
    expect(mountPointsUnder('/')).toContain('/');
  });

  it('mountOf picks the longest mount point containing the path', () => {
    expect(mountOf('/srv/data/x y/z', mounts)?.mountId).toBe(4);
    expect(mountOf('/srv/data2', mounts)?.mountId).toBe(3);
    expect(mountOf('/etc', mounts)?.mountId).toBe(1);
  });
});

describe('removeTree', () => {
  it('removes a tree and resolves when it is already gone', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'a/b/c'), { recursive: true });
    writeFileSync(join(dir, 'a/b/c/f'), 'x');
    await removeTree(join(dir, 'a'));
    expect(existsSync(join(dir, 'a'))).toBe(false);
    await expect(removeTree(join(dir, 'a'))).resolves.toBeUndefined();
  });

  it('removes trees of every size (small ones in one synchronous call, larger ones asynchronously)', async () => {
    const dir = tempDir();
    for (const [name, count] of [['small', 3], ['edge', 256], ['large', 600]] as const) {
      const tree = join(dir, name);
      for (let i = 0; i < count; i++) {
        mkdirSync(join(tree, `d${i % 7}`), { recursive: true });
        writeFileSync(join(tree, `d${i % 7}`, `f${i}`), 'x');
      }
      await removeTree(tree);
      expect(existsSync(tree)).toBe(false);
    }
  });

  // Regression: deleting a container directory while a volume was mounted inside it deleted the user's data.
  it.runIf(requiresRoot('this test makes a real bind mount'))('refuses to delete a tree with a mount inside, and keeps the mounted data', async () => {
    const dir = tempDir();
    const data = join(dir, 'userdata');
    const tree = join(dir, 'container');
    mkdirSync(data);
    writeFileSync(join(data, 'precious'), 'keep me');
    mkdirSync(join(tree, 'rootfs/data'), { recursive: true });
    execFileSync('mount', ['--bind', data, join(tree, 'rootfs/data')]);
    try {
      const error = await removeTree(tree).catch((error: unknown) => error);
      expect(SkiffError.is(error, 'FAILED_PRECONDITION')).toBe(true);
      expect((error as Error).message).toBe(`${tree} still has a mount at ${join(tree, 'rootfs/data')}; not deleting`);
      expect(existsSync(join(data, 'precious'))).toBe(true);
    } finally {
      execFileSync('umount', [join(tree, 'rootfs/data')]);
    }
    await removeTree(tree);
    expect(existsSync(tree)).toBe(false);
    expect(existsSync(join(data, 'precious'))).toBe(true);
  });
});

describe('resolveInRoot', () => {
  function image() {
    const root = join(tempDir(), 'rootfs');
    mkdirSync(join(root, 'etc'), { recursive: true });
    mkdirSync(join(root, 'usr/lib'), { recursive: true });
    return root;
  }

  it('joins plain paths and keeps missing components literally', () => {
    const root = image();
    expect(resolveInRoot(root, '/etc/passwd')).toBe(join(root, 'etc/passwd'));
    expect(resolveInRoot(root, '/new/dir/')).toBe(join(root, 'new/dir'));
    expect(resolveInRoot(root, '//etc/./x')).toBe(join(root, 'etc/x'));
    expect(resolveInRoot(root, '/')).toBe(root);
    expect(resolveInRoot(root, '')).toBe(root);
  });

  it('never lets .. climb above the root', () => {
    const root = image();
    expect(resolveInRoot(root, '/../../../etc/passwd')).toBe(join(root, 'etc/passwd'));
    expect(resolveInRoot(root, '/usr/../../..')).toBe(root);
  });

  // Regression: a symlink inside the image (/data -> /../../etc) made a volume mount land on the host's /etc.
  it('restarts absolute symlinks at the root: /data -> /../../etc', () => {
    const root = image();
    symlinkSync('/../../etc', join(root, 'data'));
    expect(resolveInRoot(root, '/data')).toBe(join(root, 'etc'));
    expect(resolveInRoot(root, '/data/passwd')).toBe(join(root, 'etc/passwd'));
  });

  it('clamps relative symlinks that climb out: -> ../../../../tmp', () => {
    const root = image();
    symlinkSync('../../../../tmp', join(root, 'usr/lib/escape'));
    expect(resolveInRoot(root, '/usr/lib/escape/x')).toBe(join(root, 'tmp/x'));
  });

  it('follows chains of symlinks, relative and absolute', () => {
    const root = image();
    symlinkSync('usr/lib', join(root, 'lib'));
    symlinkSync('/lib', join(root, 'lib64'));
    symlinkSync('../lib64/../etc', join(root, 'usr/chain'));
    expect(resolveInRoot(root, '/lib64/x.so')).toBe(join(root, 'usr/lib/x.so'));
    // ../lib64 resolves to /usr/lib, so its .. is /usr: chain ends at /usr/etc, as the kernel would see it.
    expect(resolveInRoot(root, '/usr/chain/f')).toBe(join(root, 'usr/etc/f'));
  });

  it('follows a symlink as the last component (a file symlink)', () => {
    const root = image();
    symlinkSync('/etc/real', join(root, 'etc/alias'));
    expect(resolveInRoot(root, '/etc/alias')).toBe(join(root, 'etc/real'));
  });

  it('fails on symlink loops after 40 links', () => {
    const root = image();
    symlinkSync('b', join(root, 'a'));
    symlinkSync('a', join(root, 'b'));
    symlinkSync('self', join(root, 'self'));
    expect(() => resolveInRoot(root, '/a/x')).toThrow(/too many levels of symbolic links/);
    expect(() => resolveInRoot(root, '/self')).toThrow(/too many levels/);
    // A chain of exactly 40 links resolves.
    for (let i = 0; i < MAX_SYMLINKS; i++) symlinkSync(`l${i + 1}`, join(root, `l${i}`));
    expect(resolveInRoot(root, '/l0')).toBe(join(root, `l${MAX_SYMLINKS}`));
    symlinkSync('l0', join(root, 'lm1'));
    expect(() => resolveInRoot(root, '/lm1')).toThrow(/too many levels/);
  });

  it('rejects NUL bytes', () => {
    expect(() => resolveInRoot(image(), '/etc\0/x')).toThrow(/NUL/);
  });

  it('stays inside the root for random symlink forests', () => {
    const root = image();
    const names = ['a', 'b', 'c', 'etc/d', 'usr/e', 'usr/lib/f'];
    const targets = ['/', '..', '../..', '/../../..', 'a', '/b/../c', '../../../../tmp', '/etc', 'usr/lib', '../a/b'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (const name of names) symlinkSync(targets[next() % targets.length] as string, join(root, name));
    for (let i = 0; i < 200; i++) {
      const path = Array.from({ length: 1 + (next() % 5) }, () => ['a', 'b', 'c', 'd', 'e', 'f', '..', 'etc', 'usr', 'lib'][next() % 10]).join('/');
      try {
        expect(inside(root, resolveInRoot(root, `/${path}`))).toBe(true);
      } catch (error) {
        if (!SkiffError.is(error, 'INVALID_ARGUMENT')) throw error;
      }
    }
  });
});

describe('removeDirectoryAt', () => {
  function tree() {
    const dir = tempDir();
    const victim = join(dir, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'precious'), 'keep');
    const work = join(dir, 'work');
    mkdirSync(join(work, 'sub/deeper'), { recursive: true });
    writeFileSync(join(work, 'sub/deeper/f'), 'x');
    // Symlinks inside are removed, never followed.
    symlinkSync(victim, join(work, 'link'));
    symlinkSync(victim, join(work, 'sub/link'));
    return { dir, victim, work };
  }

  it('empties (keep) or deletes a directory without following the symlinks in it', () => {
    const { victim, work } = tree();
    removeDirectoryAt(work, { keep: true });
    expect(readdirSync(work)).toEqual([]);
    removeDirectoryAt(work);
    expect(existsSync(work)).toBe(false);
    expect(readdirSync(victim)).toEqual(['precious']);
    expect(() => removeDirectoryAt(work)).not.toThrow(); // gone: nothing to do
  });

  it('refuses a symlink in place of the directory, and a directory that is not the one it was given', () => {
    const { dir, victim, work } = tree();
    const identity = directoryIdentity(work);
    renameSync(work, join(dir, 'moved'));
    symlinkSync(victim, work);
    expect(() => removeDirectoryAt(work, { expect: identity })).toThrow(/not a directory/);
    expect(() => directoryIdentity(work)).toThrow(/not a directory/);
    const other = join(dir, 'other');
    mkdirSync(other);
    expect(() => removeDirectoryAt(other, { expect: identity })).toThrow(/no longer the directory skiff made/);
    expect(readdirSync(victim)).toEqual(['precious']);
    expect(existsSync(other)).toBe(true);
  });
});

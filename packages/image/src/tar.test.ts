import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { extractLayer } from './tar.js';
import { buildTar, type FixtureEntry } from './test-tarball.js';

/** A layer dir at <tmp>/a/b/layer with a watched sibling tree <tmp>/outside holding a secret. */
function setup() {
  const dir = tempDir();
  const layer = join(dir, 'a/b/layer');
  mkdirSync(layer, { recursive: true });
  const outside = join(dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'host data');
  const tarball = (entries: FixtureEntry[], gzip = false) => {
    const path = join(dir, `archive-${Math.random().toString(16).slice(2)}.tar`);
    writeFileSync(path, buildTar(entries, { gzip }));
    return path;
  };
  /** Everything outside the layer is as before: only our fixtures and archives. */
  const untouched = () => {
    expect(readdirSync(outside)).toEqual(['secret']);
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('host data');
    expect(statSync(join(outside, 'secret')).nlink).toBe(1);
    expect(readdirSync(dir).filter((name) => !name.startsWith('archive-')).sort()).toEqual(['a', 'outside']);
    expect(readdirSync(join(dir, 'a'))).toEqual(['b']);
    expect(readdirSync(join(dir, 'a/b'))).toEqual(['layer']);
  };
  return { dir, layer, outside, tarball, untouched };
}

async function refused(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(() => undefined, (error: unknown) => error);
  expect(SkiffError.is(error, 'INVALID_ARGUMENT'), String(error)).toBe(true);
  expect((error as Error).message).toMatch(pattern);
  expect((error as Error).message).not.toContain('\n');
}

describe('extractLayer refuses archives that would write outside the layer', () => {
  it.each([
    ['../evil', /entry "..\/evil" has a '..' component/],
    ['../../../evil', /has a '..' component/],
    ['ok/../../evil', /has a '..' component/],
    ['./../evil', /has a '..' component/],
  ])('%s', async (path, pattern) => {
    const { layer, tarball, untouched } = setup();
    await refused(extractLayer(tarball([{ path: 'fine', content: 'x' }, { path, content: 'pwned' }]), layer), pattern);
    untouched();
  });

  it('an absolute path', async () => {
    const { dir, layer, tarball, untouched } = setup();
    const target = join(dir, 'outside/abs-evil');
    await refused(extractLayer(tarball([{ path: target, content: 'pwned' }]), layer), /is absolute/);
    expect(existsSync(target)).toBe(false);
    untouched();
  });

  it.each([
    ['an absolute symlink', (outside: string) => outside],
    ['a relative symlink', () => '../../../outside'],
  ])('an entry through %s declared earlier (link -> dir, then link/file)', async (_, target) => {
    const { layer, outside, tarball, untouched } = setup();
    const archive = tarball([
      { path: 'link', type: 'symlink', linkpath: target(outside) },
      { path: 'link/secret', content: 'pwned' },
    ]);
    await refused(extractLayer(archive, layer), /entry "link\/secret" passes through the symlink "link"/);
    untouched();
  });

  it('an entry through a symlink deeper in the tree, and through /etc', async () => {
    const { layer, tarball, untouched } = setup();
    await refused(
      extractLayer(tarball([{ path: 'usr/', type: 'dir' }, { path: 'usr/lib', type: 'symlink', linkpath: '/etc' }, { path: 'usr/lib/skiff-evil', content: 'x' }]), layer),
      /passes through the symlink "usr\/lib"/,
    );
    expect(existsSync('/etc/skiff-evil')).toBe(false);
    untouched();
  });

  it('a symlink replaced by a directory still may not be passed through', async () => {
    const { layer, outside, tarball, untouched } = setup();
    const archive = tarball([
      { path: 'link', type: 'symlink', linkpath: outside },
      { path: 'link', type: 'dir' },
      { path: 'link/secret', content: 'pwned' },
    ]);
    await refused(extractLayer(archive, layer), /passes through the symlink "link"/);
    untouched();
  });

  it.each([
    ['outside via ..', '../../../outside/secret', /has a '..' component/],
    ['absolute', '/etc/passwd', /is absolute/],
    ['through a symlink', 'link/secret', /passes through the symlink "link"/],
    ['not an earlier file', 'later', /which is not an earlier file in the archive/],
  ])('a hardlink whose target is %s', async (_, linkpath, pattern) => {
    const { layer, outside, tarball, untouched } = setup();
    const archive = tarball([
      { path: 'link', type: 'symlink', linkpath: outside },
      { path: 'hard', type: 'hardlink', linkpath },
      { path: 'later', content: 'x' },
    ]);
    await refused(extractLayer(archive, layer), pattern);
    untouched();
  });

  it('a path through a hardlink of a symlink', async () => {
    const { layer, outside, tarball, untouched } = setup();
    const archive = tarball([
      { path: 'soft', type: 'symlink', linkpath: outside },
      { path: 'hard', type: 'hardlink', linkpath: 'soft' },
      { path: 'hard/secret', content: 'pwned' },
    ]);
    await refused(extractLayer(archive, layer), /passes through the symlink "hard"/);
    untouched();
  });

  it('an entry that would replace the layer root with a file', async () => {
    const { layer, tarball, untouched } = setup();
    await refused(extractLayer(tarball([{ path: '.', content: 'x' }]), layer), /would replace the layer's root/);
    untouched();
  });

  it('garbage and empty archives', async () => {
    const { dir, layer } = setup();
    writeFileSync(join(dir, 'archive-garbage.tar'), 'this is not a tar file at all'.repeat(40));
    await refused(extractLayer(join(dir, 'archive-garbage.tar'), layer), /cannot (read|import)/);
    writeFileSync(join(dir, 'archive-empty.tar'), Buffer.alloc(1024));
    await refused(extractLayer(join(dir, 'archive-empty.tar'), layer), /cannot read .* as a tar archive/);
  });
});

describe('extractLayer keeps a root filesystem intact', () => {
  it('keeps symlink targets verbatim (absolute ones too), hardlinks, and file contents; reads gzip', async () => {
    const { layer, tarball } = setup();
    const archive = tarball(
      [
        { path: './', type: 'dir' },
        { path: './bin/', type: 'dir' },
        { path: './bin/busybox', content: 'binary', mode: 0o755 },
        { path: './bin/sh', type: 'symlink', linkpath: 'busybox' },
        { path: './etc/', type: 'dir' },
        { path: './etc/mtab', type: 'symlink', linkpath: '/proc/mounts' },
        { path: './usr/', type: 'dir' },
        { path: './usr/bin/', type: 'dir' },
        { path: './usr/bin/env', type: 'symlink', linkpath: '../../bin/busybox' },
        { path: './bin/ash', type: 'hardlink', linkpath: './bin/busybox' },
        { path: './lib', type: 'symlink', linkpath: 'usr/lib' },
        { path: './x', type: 'symlink', linkpath: 'lib/x.so' },
      ],
      true,
    );
    const result = await extractLayer(archive, layer);
    expect(result.entries).toBe(12);
    expect(readFileSync(join(layer, 'bin/busybox'), 'utf8')).toBe('binary');
    expect(readlinkSync(join(layer, 'bin/sh'))).toBe('busybox');
    expect(readlinkSync(join(layer, 'etc/mtab'))).toBe('/proc/mounts');
    expect(readlinkSync(join(layer, 'usr/bin/env'))).toBe('../../bin/busybox');
    expect(readlinkSync(join(layer, 'x'))).toBe('lib/x.so');
    expect(statSync(join(layer, 'bin/ash')).ino).toBe(statSync(join(layer, 'bin/busybox')).ino);
  });

  it('preserves modes exactly: setuid, sticky, read-only directories, private files', async () => {
    const { layer, tarball } = setup();
    const previous = process.umask(0o077);
    try {
      await extractLayer(
        tarball([
          { path: 'tmp/', type: 'dir', mode: 0o1777 },
          { path: 'ro/', type: 'dir', mode: 0o555 },
          { path: 'ro/file', content: 'x', mode: 0o444 },
          { path: 'bin/', type: 'dir', mode: 0o755 },
          { path: 'bin/su', content: 'x', mode: 0o4755 },
          { path: 'bin/wall', content: 'x', mode: 0o2755 },
          { path: 'secret', content: 'x', mode: 0o600 },
        ]),
        layer,
      );
    } finally {
      process.umask(previous);
    }
    const mode = (path: string) => statSync(join(layer, path)).mode & 0o7777;
    expect([mode('tmp'), mode('ro'), mode('ro/file'), mode('bin'), mode('bin/su'), mode('bin/wall'), mode('secret')]).toEqual([
      0o1777, 0o555, 0o444, 0o755, 0o4755, 0o2755, 0o600,
    ]);
  });

  it.runIf(requiresRoot('this test checks file ownership from an archive'))('preserves ownership, of symlinks too, and keeps setuid after chown', async () => {
    const { layer, tarball } = setup();
    await extractLayer(
      tarball([
        { path: 'home/', type: 'dir', uid: 1000, gid: 1000, mode: 0o750 },
        { path: 'home/file', content: 'x', uid: 1000, gid: 100 },
        { path: 'home/link', type: 'symlink', linkpath: 'file', uid: 1000, gid: 100 },
        { path: 'sbin/', type: 'dir' },
        { path: 'sbin/tool', content: 'x', uid: 1234, gid: 5678, mode: 0o4755 },
      ]),
      layer,
    );
    const owner = (path: string) => {
      const info = lstatSync(join(layer, path));
      return [info.uid, info.gid];
    };
    expect(owner('home')).toEqual([1000, 1000]);
    expect(owner('home/file')).toEqual([1000, 100]);
    expect(owner('home/link')).toEqual([1000, 100]);
    expect(owner('sbin/tool')).toEqual([1234, 5678]);
    expect(statSync(join(layer, 'sbin/tool')).mode & 0o7777).toBe(0o4755);
  });

  it('skips device nodes and FIFOs, and says so', async () => {
    const { layer, tarball } = setup();
    const result = await extractLayer(
      tarball([{ path: 'dev/', type: 'dir' }, { path: 'dev/null', type: 'char' }, { path: 'dev/fifo', type: 'fifo' }, { path: 'f', content: 'x' }]),
      layer,
    );
    expect(result.skipped).toEqual(['dev/null', 'dev/fifo']);
    expect(readdirSync(join(layer, 'dev'))).toEqual([]);
  });
});

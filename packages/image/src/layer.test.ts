// Unpacking pulled layers: decompression, the diff id check, OCI whiteouts turned into overlay's form by the
// native helper, and the import safety rules applied to every layer.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { unpackLayer } from './layer.js';
import { buildTar, type FixtureEntry } from './test-tarball.js';

const require = createRequire(import.meta.url);
const helper = join(import.meta.dirname, '../../native/bin/skiff-helper');
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const haveZstd = spawnSync('sh', ['-c', 'command -v zstd']).status === 0;

function layer(entries: FixtureEntry[], compression: 'gzip' | 'zstd' | 'none' = 'gzip') {
  const dir = tempDir('layer-');
  const tar = buildTar(entries);
  const bytes = compression === 'gzip' ? gzipSync(tar) : compression === 'zstd' ? spawnSync('zstd', ['-q', '-c'], { input: tar }).stdout : tar;
  const blob = join(dir, 'blob');
  writeFileSync(blob, bytes);
  const dest = join(dir, 'a/layer');
  mkdirSync(dest, { recursive: true });
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside/secret'), 'host');
  return { dir, dest, options: { blob, compression, diffId: sha256(tar), dest, helper, label: 'layer sha256:test' } };
}

const refusal = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a refusal'); }, (error: unknown) => error as SkiffError);

describe.runIf(requiresRoot('whiteouts are character devices and trusted xattrs'))('unpackLayer', () => {
  it('turns .wh.NAME into a 0/0 character device and .wh..wh..opq into trusted.overlay.opaque=y; keeps the rest', async () => {
    const { dest, options } = layer([
      { path: 'etc/', type: 'dir' },
      { path: 'etc/.wh.gone', content: '' },
      { path: 'etc/kept', content: 'kept' },
      { path: 'opaque/', type: 'dir' },
      { path: 'opaque/.wh..wh..opq', content: '' },
      { path: 'opaque/new', content: 'new' },
      { path: 'dev/', type: 'dir' },
      { path: 'dev/null', type: 'char', mode: 0o666 },
      { path: 'dev/fifo', type: 'fifo', mode: 0o600 },
    ]);
    await unpackLayer(options);
    const whiteout = lstatSync(join(dest, 'etc/gone'));
    expect(whiteout.isCharacterDevice()).toBe(true);
    expect(whiteout.rdev).toBe(0);
    expect(readdirSync(join(dest, 'etc')).sort()).toEqual(['gone', 'kept']);
    expect(readdirSync(join(dest, 'opaque'))).toEqual(['new']);
    const xattr = spawnSync('python3', ['-c', `import os,sys; sys.stdout.write(os.getxattr(sys.argv[1], 'trusted.overlay.opaque').decode())`, join(dest, 'opaque')], { encoding: 'utf8' });
    expect(xattr.stdout).toBe('y');
    expect(lstatSync(join(dest, 'dev/fifo')).isFIFO()).toBe(true);
    expect(lstatSync(join(dest, 'dev/null')).isCharacterDevice()).toBe(true);
  });

  it.runIf(haveZstd)('unpacks zstd and plain layers', async () => {
    for (const compression of ['zstd', 'none'] as const) {
      const { dest, options } = layer([{ path: 'hello', content: compression }], compression);
      await unpackLayer(options);
      expect(readFileSync(join(dest, 'hello'), 'utf8')).toBe(compression);
    }
  });

  // security.capability as docker writes it (VFS_CAP_REVISION_2, cap_net_raw=ep): `ping` in Debian needs it.
  it('applies security.capability and user.* xattrs from PAX SCHILY.xattr records, after ownership; drops trusted.*', async () => {
    const capability = Buffer.from('0100000200200000000000000000000000000000', 'hex');
    const { dest, options } = layer([
      { path: 'bin/', type: 'dir' },
      { path: 'bin/ping', content: 'ping', mode: 0o755, uid: 1000, gid: 1000, xattrs: { 'security.capability': capability, 'user.note': Buffer.from('hi') } },
      { path: 'bin/plain', content: 'plain', xattrs: { 'trusted.overlay.opaque': Buffer.from('y') } },
      { path: 'bin/link', type: 'symlink', linkpath: 'ping', xattrs: { 'user.note': Buffer.from('no') } },
    ]);
    await unpackLayer(options);
    const read = (path: string, name: string) =>
      spawnSync('python3', ['-c', `import os,sys\ntry: sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).hex())\nexcept OSError as e: sys.stdout.write('none')`, join(dest, path), name], { encoding: 'utf8' }).stdout;
    expect(read('bin/ping', 'security.capability')).toBe(capability.toString('hex'));
    expect(read('bin/ping', 'user.note')).toBe(Buffer.from('hi').toString('hex'));
    expect(lstatSync(join(dest, 'bin/ping')).uid).toBe(1000);
    expect(read('bin/plain', 'trusted.overlay.opaque')).toBe('none');
    expect(readFileSync(join(dest, 'bin/plain'), 'utf8')).toBe('plain');
  });

  it('refuses a layer whose uncompressed bytes do not match the diff id', async () => {
    const { options } = layer([{ path: 'hello', content: 'x' }]);
    const error = await refusal(unpackLayer({ ...options, diffId: `sha256:${'0'.repeat(64)}` }));
    expect(error.message).toMatch(/^layer sha256:test \(uncompressed, against the config's rootfs.diff_ids\) failed verification: expected sha256:0{64}, got sha256:[0-9a-f]{64}; nothing was stored$/);
  });

  it.each([
    ['a ../ path', [{ path: '../evil', content: 'x' }], /has a '\.\.' component/],
    ['an absolute path', [{ path: '/tmp/skiff-evil-abs', content: 'x' }], /is absolute/],
    ['a symlink then a file through it', [{ path: 'out', type: 'symlink', linkpath: '../../outside' }, { path: 'out/secret', content: 'pwned' }], /passes through the symlink "out"/],
    ['a symlink then a whiteout through it', [{ path: 'out', type: 'symlink', linkpath: '../../outside' }, { path: 'out/.wh.secret', content: '' }], /passes through the symlink "out"/],
    ['a symlink then an opaque marker through it', [{ path: 'out', type: 'symlink', linkpath: '../../outside' }, { path: 'out/.wh..wh..opq', content: '' }], /passes through the symlink "out"/],
    ['a hardlink to outside', [{ path: 'hard', type: 'hardlink', linkpath: '../../outside/secret' }], /has a '\.\.' component/],
    ['a whiteout of ..', [{ path: 'etc/.wh...', content: '' }], /names no file/],
  ] as [string, FixtureEntry[], RegExp][])('refuses %s, writing nothing outside', async (_what, entries, pattern) => {
    const { dir, options } = layer(entries);
    const error = await refusal(unpackLayer(options));
    expect(SkiffError.is(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(error.message).toMatch(pattern);
    expect(readdirSync(join(dir, 'outside'))).toEqual(['secret']);
    expect(readFileSync(join(dir, 'outside/secret'), 'utf8')).toBe('host');
    expect(existsSync('/tmp/skiff-evil-abs')).toBe(false);
  });

  it('the helper itself never follows a symlink in the layer (defence behind the tar checks)', () => {
    const { dir, dest } = layer([]);
    const { symlinkSync } = require('node:fs') as typeof import('node:fs');
    symlinkSync(join(dir, 'outside'), join(dest, 'evil'));
    symlinkSync(join(dir, 'outside/secret'), join(dest, 'secret-link'));
    const ops = ['w evil/planted', 'o evil', 'n 10644 0 0 0 0 evil/fifo', 'w ../outside/planted', 'o /tmp'];
    ops.push('x user.pwned 79 evil/secret', 'x user.pwned 79 secret-link', 'x user.pwned 79 ../outside/secret', 'x trusted.overlay.opaque 79 evil', 'x user.a zz f');
    for (const op of ops) {
      const result = spawnSync(helper, ['unpack', dest], { input: `${op}\n`, encoding: 'utf8' });
      expect(result.status, op).not.toBe(0);
      expect(result.stderr).toMatch(/^skiff: /);
    }
    expect(readdirSync(join(dir, 'outside'))).toEqual(['secret']);
    for (const path of ['outside', 'outside/secret']) {
      const xattr = spawnSync('python3', ['-c', `import os,sys; print(os.listxattr(sys.argv[1]))`, join(dir, path)], { encoding: 'utf8' });
      expect(xattr.stdout.trim()).toBe('[]');
    }
  });
});

import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DriverContext } from '@skiff/plugin';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { createVfsDriver, vfsDriverFactory } from './vfs.js';
import { runStorageDriverTests } from '@skiff/plugin/testing';

runStorageDriverTests('vfs', vfsDriverFactory);

function setup() {
  const dir = tempDir();
  const ctx: DriverContext = { root: join(dir, 'driver'), runRoot: join(dir, 'run'), isContainerActive: async () => false };
  mkdirSync(ctx.root);
  const layer = (name: string) => {
    const path = join(dir, 'layers', name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  return { dir, ctx, driver: createVfsDriver(ctx), layer };
}

describe('vfs copy', () => {
  it('returns a recursive bind of <root>/<id>/rootfs', async () => {
    const { ctx, driver } = setup();
    expect(await driver.prepare('c1', { dirs: [] })).toEqual([{ type: 'bind', source: join(ctx.root, 'c1/rootfs'), target: '/', options: ['rbind'] }]);
    expect(driver.diffPath('c1')).toBe(join(ctx.root, 'c1/rootfs'));
    expect(statSync(join(ctx.root, 'c1/rootfs')).mode & 0o7777).toBe(0o755);
  });

  it('copies bottom-up: upper layers win, symlinks stay verbatim, modes and hardlinks survive', async () => {
    const { ctx, driver, layer } = setup();
    const bottom = layer('bottom');
    const top = layer('top');
    mkdirSync(join(bottom, 'bin'));
    writeFileSync(join(bottom, 'bin/tool'), '#!/bin/sh\n');
    execFileSync('chmod', ['4755', join(bottom, 'bin/tool')]); // without root, the write itself clears setuid (kernel file_remove_privs); set it after
    linkSync(join(bottom, 'bin/tool'), join(bottom, 'bin/tool-alias'));
    writeFileSync(join(bottom, 'shared'), 'bottom');
    symlinkSync('/etc/passwd', join(bottom, 'abs-link'));
    symlinkSync('../../../../outside', join(bottom, 'rel-link'));
    mkdirSync(join(bottom, 'sticky'), { mode: 0o777 });
    execFileSync('chmod', ['1777', join(bottom, 'sticky')]);
    writeFileSync(join(top, 'shared'), 'top');
    await driver.prepare('c1', { dirs: [top, bottom] });
    const rootfs = join(ctx.root, 'c1/rootfs');
    expect(readFileSync(join(rootfs, 'shared'), 'utf8')).toBe('top');
    expect(readlinkSync(join(rootfs, 'abs-link'))).toBe('/etc/passwd');
    expect(readlinkSync(join(rootfs, 'rel-link'))).toBe('../../../../outside');
    expect(statSync(join(rootfs, 'bin/tool')).mode & 0o7777).toBe(0o4755);
    expect(statSync(join(rootfs, 'sticky')).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(rootfs, 'bin/tool')).ino).toBe(statSync(join(rootfs, 'bin/tool-alias')).ino);
  });

  it.runIf(requiresRoot('this test chowns files'))('keeps ownership', async () => {
    const { ctx, driver, layer } = setup();
    const bottom = layer('bottom');
    writeFileSync(join(bottom, 'owned'), 'x');
    chownSync(join(bottom, 'owned'), 1234, 5678);
    symlinkSync('owned', join(bottom, 'link'));
    execFileSync('chown', ['-h', '4321:8765', join(bottom, 'link')]);
    await driver.prepare('c1', { dirs: [bottom] });
    const owned = statSync(join(ctx.root, 'c1/rootfs/owned'));
    expect([owned.uid, owned.gid]).toEqual([1234, 5678]);
    const link = lstatSync(join(ctx.root, 'c1/rootfs/link'));
    expect([link.uid, link.gid]).toEqual([4321, 8765]);
  });

  it('applies OCI whiteouts and opaque directories from upper layers', async () => {
    const { ctx, driver, layer } = setup();
    const bottom = layer('bottom');
    const top = layer('top');
    mkdirSync(join(bottom, 'etc'));
    mkdirSync(join(bottom, 'opaque'));
    writeFileSync(join(bottom, 'etc/gone'), 'x');
    writeFileSync(join(bottom, 'etc/kept'), 'x');
    writeFileSync(join(bottom, 'opaque/old'), 'x');
    mkdirSync(join(top, 'etc'));
    mkdirSync(join(top, 'opaque'));
    writeFileSync(join(top, 'etc/.wh.gone'), '');
    writeFileSync(join(top, 'opaque/.wh..wh..opq'), '');
    writeFileSync(join(top, 'opaque/new'), 'y');
    await driver.prepare('c1', { dirs: [top, bottom] });
    const rootfs = join(ctx.root, 'c1/rootfs');
    expect(readdirSync(join(rootfs, 'etc'))).toEqual(['kept']);
    expect(readdirSync(join(rootfs, 'opaque'))).toEqual(['new']);
  });

  it.runIf(requiresRoot('this test creates a device node'))('applies overlayfs-style whiteouts (0:0 character devices)', async () => {
    const { ctx, driver, layer } = setup();
    const bottom = layer('bottom');
    const top = layer('top');
    writeFileSync(join(bottom, 'gone'), 'x');
    execFileSync('mknod', [join(top, 'gone'), 'c', '0', '0']);
    await driver.prepare('c1', { dirs: [top, bottom] });
    expect(existsSync(join(ctx.root, 'c1/rootfs/gone'))).toBe(false);
  });

  // Regression: copying an upper layer's directory over a lower layer's symlink must not write through it.
  it('replaces a lower symlink with an upper directory instead of following it out of the rootfs', async () => {
    const { dir, ctx, driver, layer } = setup();
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    const bottom = layer('bottom');
    const top = layer('top');
    symlinkSync(outside, join(bottom, 'lib'));
    symlinkSync(join(outside, 'file'), join(bottom, 'file'));
    mkdirSync(join(top, 'lib'));
    writeFileSync(join(top, 'lib/x'), 'inside');
    writeFileSync(join(top, 'file'), 'inside');
    await driver.prepare('c1', { dirs: [top, bottom] });
    expect(readdirSync(outside)).toEqual([]);
    expect(lstatSync(join(ctx.root, 'c1/rootfs/lib')).isDirectory()).toBe(true);
    expect(readFileSync(join(ctx.root, 'c1/rootfs/file'), 'utf8')).toBe('inside');
  });

  it('leaves no partial copy behind when a layer cannot be copied', async () => {
    const { ctx, driver, dir } = setup();
    await expect(driver.prepare('c1', { dirs: [join(dir, 'missing')] })).rejects.toThrow(/missing or not a directory/);
    expect(existsSync(join(ctx.root, 'c1/rootfs'))).toBe(false);
  });
});

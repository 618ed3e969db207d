import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { AUFS_MAX_BRANCHES, aufsDriverFactory, createAufsDriver, probeAufs } from './aufs.js';
import { context, layers } from '../test/helpers.js';
import { runStorageDriverTests } from '@skiff/plugin/testing';

// The plan-only parts run everywhere; the real-mount test skips, with the reason, on kernels without aufs.
runStorageDriverTests('aufs', aufsDriverFactory);

describe('aufs plan', () => {
  it('puts the writable branch first, then the layers top-most first, as ro+wh', async () => {
    const ctx = context();
    const dirs = layers(join(ctx.root, '..', 'layers'), 2);
    const mounts = await createAufsDriver(ctx).prepare('c1', { dirs });
    expect(mounts).toEqual([
      {
        type: 'aufs',
        source: 'none',
        target: '/',
        options: [`br=${ctx.root}/diff/c1=rw:${dirs[0]}=ro+wh:${dirs[1]}=ro+wh`, 'dio', 'xino=/dev/shm/aufs.xino'],
      },
    ]);
    expect(readFileSync(join(ctx.root, 'layers/c1'), 'utf8')).toBe(`${dirs[0]}\n${dirs[1]}\n`);
    expect(createAufsDriver(ctx).diffPath('c1')).toBe(join(ctx.root, 'diff/c1'));
  });

  it('is idempotent and keeps the writable branch', async () => {
    const ctx = context();
    const dirs = layers(join(ctx.root, '..', 'layers'), 1);
    const driver = createAufsDriver(ctx);
    const first = await driver.prepare('c1', { dirs });
    writeFileSync(join(ctx.root, 'diff/c1/file'), 'kept');
    expect(await driver.prepare('c1', { dirs })).toEqual(first);
    expect(readFileSync(join(ctx.root, 'diff/c1/file'), 'utf8')).toBe('kept');
  });

  it('mounts only the writable branch for an image without layers', async () => {
    const ctx = context();
    const [mount] = await createAufsDriver(ctx).prepare('c1', { dirs: [] });
    expect(mount?.options[0]).toBe(`br=${ctx.root}/diff/c1=rw`);
  });

  it('refuses more branches than aufs takes, and plans longer than one page', async () => {
    const ctx = context();
    const driver = createAufsDriver(ctx);
    const many = layers(join(ctx.root, '..', 'many'), AUFS_MAX_BRANCHES);
    const tooMany = await driver.prepare('c1', { dirs: many }).catch((error: unknown) => error);
    expect(SkiffError.is(tooMany, 'FAILED_PRECONDITION')).toBe(true);
    expect((tooMany as Error).message).toMatch(/aufs takes at most 127 branches/);
    const long = layers(join(ctx.root, '..', 'long'), 80, 50);
    const tooLong = await driver.prepare('c1', { dirs: long }).catch((error: unknown) => error);
    expect((tooLong as Error).message).toMatch(/kernel takes at most 4095 \(one page\)/);
  });

  it('remove deletes the branch and the layers record', async () => {
    const ctx = context();
    const driver = createAufsDriver(ctx);
    await driver.prepare('c1', { dirs: [] });
    await driver.remove('c1');
    expect(driver.diffPath('c1')).toBeUndefined();
    expect(() => readFileSync(join(ctx.root, 'layers/c1'))).toThrow();
  });
});

describe('aufs probe', () => {
  it('reports aufs missing from /proc/filesystems', async () => {
    const ctx = context();
    const fake = join(ctx.root, '..', 'filesystems');
    writeFileSync(fake, 'nodev\tsysfs\nnodev\toverlay\n\text4\n');
    expect(await probeAufs(ctx, fake)).toEqual({
      supported: false,
      reason: 'aufs is not available in this kernel (not listed in /proc/filesystems)',
    });
    writeFileSync(fake, 'nodev\taufs\n');
    expect(await probeAufs(ctx, fake)).toEqual({ supported: true });
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SkiffError, MOUNT_DATA_MAX } from '@skiff/plugin';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { createOverlayDriver, kernelAtLeast, overlayDriverFactory, probeOverlay } from './overlay.js';
import { context, layers } from '../test/helpers.js';
import { runStorageDriverTests } from '@skiff/plugin/testing';

runStorageDriverTests('overlay', overlayDriverFactory);

describe('overlay plan', () => {
  it('lists lower dirs top-most first, then upper and work under <root>/<id>', async () => {
    const ctx = context();
    const dirs = layers(join(ctx.root, '..', 'layers'), 3);
    const mounts = await createOverlayDriver(ctx).prepare('c1', { dirs });
    expect(mounts).toEqual([
      {
        type: 'overlay',
        source: 'overlay',
        target: '/',
        options: [`lowerdir=${dirs.join(':')}`, `upperdir=${ctx.root}/c1/upper`, `workdir=${ctx.root}/c1/work`],
      },
    ]);
    expect(statSync(join(ctx.root, 'c1')).mode & 0o777).toBe(0o700);
  });

  it('gives an image without layers an empty lower dir', async () => {
    const ctx = context();
    const [mount] = await createOverlayDriver(ctx).prepare('c1', { dirs: [] });
    expect(mount?.options[0]).toBe(`lowerdir=${ctx.root}/c1/empty`);
    expect(statSync(join(ctx.root, 'c1/empty')).isDirectory()).toBe(true);
  });

  it("copies the top layer's root mode to the upper dir (it becomes the container's /)", async () => {
    const ctx = context();
    const [top] = layers(join(ctx.root, '..', 'layers'), 1);
    execFileSync('chmod', ['0751', top as string]);
    await createOverlayDriver(ctx).prepare('c1', { dirs: [top as string] });
    expect(statSync(join(ctx.root, 'c1/upper')).mode & 0o7777).toBe(0o751);
  });

  it('kernelAtLeast reads os.release()', () => {
    expect(kernelAtLeast(6, 8, '6.18.3-1-amd64')).toBe(true);
    expect(kernelAtLeast(6, 8, '6.8.0')).toBe(true);
    expect(kernelAtLeast(6, 8, '6.7.12')).toBe(false);
    expect(kernelAtLeast(6, 8, '5.19.0')).toBe(false);
    expect(kernelAtLeast(6, 8, '7.0.1')).toBe(true);
    expect(kernelAtLeast(6, 8, 'weird')).toBe(false);
  });

  it.runIf(kernelAtLeast(6, 8))('accepts a plan longer than one page on Linux 6.8+ (the helper mounts it layer by layer)', async () => {
    const ctx = context();
    const dirs = layers(join(ctx.root, '..', 'layers'), 120, 40);
    const [mount] = await createOverlayDriver(ctx).prepare('c1', { dirs });
    expect(mount!.options[0]).toBe(`lowerdir=${dirs.join(':')}`);
  });

  it.runIf(!kernelAtLeast(6, 8))('refuses a plan whose mount data would not fit in one page before Linux 6.8, saying so', async () => {
    const ctx = context();
    const dirs = layers(join(ctx.root, '..', 'layers'), 120, 40);
    const error = await createOverlayDriver(ctx).prepare('c1', { dirs }).catch((error: unknown) => error);
    expect(SkiffError.is(error, 'FAILED_PRECONDITION')).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`120 layers\\); this kernel takes at most ${MOUNT_DATA_MAX} \\(one page`));
    // Nothing was created for the refused container.
    expect(() => statSync(join(ctx.root, 'c1'))).toThrow();
  });

  it('accepts a plan just under the page limit', async () => {
    const ctx = context();
    const dirs = layers(join(ctx.root, '..', 'l'), 60);
    await expect(createOverlayDriver(ctx).prepare('c1', { dirs })).resolves.toHaveLength(1);
  });

  it('refuses layer paths that mount options cannot carry, and missing layers', async () => {
    const ctx = context();
    const base = join(ctx.root, '..');
    mkdirSync(join(base, 'a:b'));
    mkdirSync(join(base, 'a,b'));
    const driver = createOverlayDriver(ctx);
    for (const bad of [join(base, 'a:b'), join(base, 'a,b'), 'relative/layer']) {
      const error = await driver.prepare('c1', { dirs: [bad] }).catch((error: unknown) => error);
      expect(SkiffError.is(error, 'INVALID_ARGUMENT'), bad).toBe(true);
    }
    const missing = await driver.prepare('c1', { dirs: [join(base, 'nope')] }).catch((error: unknown) => error);
    expect((missing as Error).message).toBe(`image layer ${join(base, 'nope')} is missing or not a directory`);
  });
});

describe('overlay probe', () => {
  it('is unsupported, with the reason, when /proc/filesystems lacks overlay', async () => {
    const ctx = context();
    const fake = join(ctx.root, '..', 'filesystems');
    writeFileSync(fake, 'nodev\tsysfs\n\text4\nnodev\ttmpfs\n');
    expect(await probeOverlay(ctx, fake)).toEqual({
      supported: false,
      reason: 'overlayfs is not available in this kernel (not listed in /proc/filesystems; try modprobe overlay)',
    });
    writeFileSync(fake, 'nodev\tsysfs\nnodev\toverlay\n');
    expect(await probeOverlay(ctx, fake)).toEqual({ supported: true });
  });

  it.runIf(requiresRoot('this test mounts an overlay on the host'))('is unsupported when the driver root is itself on overlayfs', async () => {
    const dir = tempDir();
    for (const sub of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(dir, sub));
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${dir}/lower,upperdir=${dir}/upper,workdir=${dir}/work`, join(dir, 'merged')]);
    try {
      const support = await probeOverlay({ root: join(dir, 'merged/skiff/overlay'), runRoot: dir, isContainerActive: async () => false });
      expect(support.supported).toBe(false);
      expect(!support.supported && support.reason).toMatch(/is on overlayfs, which overlayfs cannot use for its upper dir/);
    } finally {
      execFileSync('umount', [join(dir, 'merged')]);
    }
  });
});

describe('overlay integration', () => {
  it.runIf(requiresRoot('this test mounts the overlay in a private mount namespace'))('a write through the mounted overlay lands in the upper dir, the lower stays intact', async () => {
    const ctx = context();
    const [lower] = layers(join(ctx.root, '..', 'layers'), 1);
    writeFileSync(join(lower as string, 'f'), 'from image');
    const driver = createOverlayDriver(ctx);
    const [mount] = await driver.prepare('c1', { dirs: [lower as string] });
    const merged = join(ctx.root, '..', 'merged');
    mkdirSync(merged);
    const data = (mount?.options ?? []).join(',');
    execFileSync('unshare', ['-m', 'sh', '-c', 'mount -t overlay overlay -o "$1" "$2" && echo x > "$2/f" && echo y > "$2/g"', 'sh', data, merged]);
    expect(readFileSync(join(driver.diffPath('c1') as string, 'f'), 'utf8')).toBe('x\n');
    expect(readFileSync(join(driver.diffPath('c1') as string, 'g'), 'utf8')).toBe('y\n');
    expect(readFileSync(join(lower as string, 'f'), 'utf8')).toBe('from image');
    await driver.remove('c1');
  });
});

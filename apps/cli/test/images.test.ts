import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { sandbox, expectOneLineError } from './cli.js';

describe.runIf(requiresRoot('image tests extract root-owned files and run containers'))('images and import', () => {
  it('makes busybox on first use and lists it', async () => {
    const { skiff } = sandbox();
    expect((await skiff(['images', '-q'])).stdout).toBe('');
    expect((await skiff(['run', '--rm', 'busybox', 'true'])).exitCode).toBe(0);
    const listing = (await skiff(['images'])).stdout.split('\n');
    expect(listing[0]).toMatch(/^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
    expect(listing[1]).toMatch(/^busybox +latest +[0-9a-f]{12} +(Less than a second|\d+ seconds?) ago +[\d.]+[kM]B$/);
  });

  it('imports a root filesystem tarball as a runnable image', async () => {
    const { skiff } = sandbox();
    const dir = tempDir();
    mkdirSync(join(dir, 'rootfs', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'rootfs', 'greeting'), 'imported\n');
    await execa('sh', ['-c', 'cp /bin/busybox rootfs/bin/ && ln -s busybox rootfs/bin/cat && tar -C rootfs -czf img.tgz .'], { cwd: dir });
    const imported = await skiff(['import', join(dir, 'img.tgz'), 'mine:v1']);
    expect(imported.stdout).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await skiff(['run', '--rm', 'mine:v1', '/bin/cat', '/greeting'])).stdout).toBe('imported');
    expect((await skiff(['images'])).stdout).toMatch(/\nmine +v1 /);
  });

  it('refuses a tarball whose entries escape the image, writing nothing outside', async () => {
    const { skiff } = sandbox();
    const dir = tempDir();
    const victim = join(dir, 'victim');
    // A symlink to a host directory followed by a file written through it.
    const script = `mkdir -p stage && ln -s ${dir} stage/link && tar -C stage -cf evil.tar link && mkdir -p stage2/link && echo pwned > stage2/link/victim && tar -C stage2 -rf evil.tar link/victim`;
    await execa('sh', ['-c', script], { cwd: dir });
    const result = await skiff(['import', join(dir, 'evil.tar'), 'evil']);
    expectOneLineError(result, /link\/victim/);
    expect(existsSync(victim)).toBe(false);
    expect((await skiff(['images', '-q'])).stdout).toBe('');
  });

  it('says how to get an image that does not exist', async () => {
    const { skiff, containers } = sandbox();
    const result = await skiff(['run', '--rm', '--pull', 'never', 'nosuchimage', 'true']);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(/image "nosuchimage" not found/);
    expect(containers()).toEqual([]);
  });
});

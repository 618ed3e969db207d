import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { hostMountsContaining, sandbox, expectOneLineError } from './cli.js';

describe.runIf(requiresRoot('volume tests mount real host directories into containers'))('volumes', () => {
  it('bind: what the container writes stays in the host directory', async () => {
    const { skiff, containers } = sandbox();
    const host = tempDir();
    const result = await skiff(['run', '--rm', '-v', `${host}:/data`, 'busybox', 'sh', '-c', 'echo 1 > /data/f']);
    expect(result.exitCode).toBe(0);
    expect(readFileSync(join(host, 'f'), 'utf8')).toBe('1\n');
    expect(containers()).toEqual([]);
  });

  it('overlay: the container sees the image at that path, writes land in the host directory and stay', async () => {
    const { skiff } = sandbox();
    const host = tempDir();
    const result = await skiff([
      'run', '--rm', '--volume-driver', 'overlay', '-v', `${host}:/etc`, 'busybox',
      'sh', '-c', 'grep -q ^root: /etc/passwd && echo new > /etc/new',
    ]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(readdirSync(host)).toEqual(['new']);
    expect(readFileSync(join(host, 'new'), 'utf8')).toBe('new\n');
    // The next container sees the file too: the host directory is the volume.
    const again = await skiff(['run', '--rm', '-v', `${host}:/etc:driver=overlay`, 'busybox', 'cat', '/etc/new']);
    expect(again.stdout).toBe('new');
  });

  it('overlay: a path the image lacks gets an empty lower', async () => {
    const { skiff } = sandbox();
    const host = tempDir();
    writeFileSync(join(host, 'existing'), 'x');
    const result = await skiff(['run', '--rm', '-v', `${host}:/srv/data:driver=overlay`, 'busybox', 'ls', '/srv/data']);
    expect(result.stdout).toBe('existing');
  });

  it('two -v at once; :ro is enforced', async () => {
    const { skiff } = sandbox();
    const a = tempDir();
    const b = tempDir();
    writeFileSync(join(a, 'in-a'), 'a');
    const result = await skiff([
      'run', '--rm', '-v', `${a}:/a:ro`, '-v', `${b}:/b`, 'busybox',
      'sh', '-c', 'cat /a/in-a > /b/copied; touch /a/denied',
    ]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/Read-only file system/);
    expect(readFileSync(join(b, 'copied'), 'utf8')).toBe('a');
    expect(existsSync(join(a, 'denied'))).toBe(false);
  });

  // `-v /a` alone is docker's anonymous volume now (named-volumes.test.ts), no longer an error.
  it.each([
    [':/b', /-v/],
    ['/a:relative', /-v/],
    ['/a:/b:bogus', /bogus/],
  ])('rejects -v %s with one line, a non-zero exit, and nothing left behind', async (spec, message) => {
    const { skiff, containers, root } = sandbox();
    const before = existsSync('/a') || existsSync('/b');
    const result = await skiff(['run', '--rm', '-v', spec, 'busybox', 'true']);
    expectOneLineError(result, message);
    expect(containers()).toEqual([]);
    expect(hostMountsContaining(root)).toEqual([]);
    expect(existsSync('/a') || existsSync('/b')).toBe(before);
  });

  it('overlay: refuses an upper dir that is itself on overlayfs', async () => {
    const { skiff, root } = sandbox();
    // An overlayfs directory on the host, made for this test and unmounted after it.
    const dir = tempDir();
    const { execa } = await import('execa');
    for (const sub of ['lower', 'upper', 'work', 'merged']) await execa('mkdir', ['-p', join(dir, sub)]);
    await execa('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${dir}/lower,upperdir=${dir}/upper,workdir=${dir}/work`, join(dir, 'merged')]);
    try {
      const result = await skiff(['run', '--rm', '-v', `${dir}/merged/sub:/data:driver=overlay`, 'busybox', 'true']);
      expect(result.exitCode).toBe(125);
      expect(result.stderr).toMatch(/overlayfs/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await execa('umount', [join(dir, 'merged')]);
    }
    expect(hostMountsContaining(root)).toEqual([]);
  });

  it('overlay: refuses an upper dir already used by another running container', async () => {
    const { skiff, containers } = sandbox();
    const host = tempDir();
    const first = skiff(['run', '--rm', '-v', `${host}:/data:driver=overlay`, 'busybox', 'sh', '-c', 'touch /data/up; sleep 30']);
    for (let i = 0; i < 100 && !existsSync(join(host, 'up')); i++) await new Promise((r) => setTimeout(r, 50));
    try {
      const second = await skiff(['run', '--rm', '-v', `${host}:/data:driver=overlay`, 'busybox', 'true']);
      expect(second.exitCode).toBe(125);
      expect(second.stderr).toMatch(/container [0-9a-f]{64} is using it/);
    } finally {
      first.kill('SIGKILL');
      await first;
      // The killed run left a stopped container: rm -f reconciles and removes it (cgroup included).
      for (const id of containers()) expect((await skiff(['rm', '-f', id])).exitCode).toBe(0);
    }
    // Once the first is gone (killed: its in-use record is stale) the directory is free again.
    const third = await skiff(['run', '--rm', '-v', `${host}:/data:driver=overlay`, 'busybox', 'ls', '/data']);
    expect(third.stdout).toBe('up');
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { sandbox, expectOneLineError } from './cli.js';

/** CapEff of docker's default capability set. */
const DOCKER_DEFAULT_CAPS = '00000000a80425fb';
const field = (status: string, name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1];

describe.runIf(requiresRoot('isolation tests run containers'))('isolation defaults and their opt-outs', () => {
  it("keeps docker's default capabilities, seccomp filter and masked paths", async () => {
    const { skiff } = sandbox();
    const status = (await skiff(['run', '--rm', 'busybox', 'cat', '/proc/self/status'])).stdout;
    expect(field(status, 'CapEff')).toBe(DOCKER_DEFAULT_CAPS);
    expect(field(status, 'CapBnd')).toBe(DOCKER_DEFAULT_CAPS);
    expect(field(status, 'Seccomp')).toBe('2');
    const mount = await skiff(['run', '--rm', 'busybox', 'sh', '-c', 'mkdir /m && mount -t tmpfs none /m']);
    expect(mount.exitCode).not.toBe(0);
    expect(mount.stderr).toMatch(/permission denied|not permitted/i);
    const masked = ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug'].filter((path) => existsSync(path));
    expect(masked.length).toBeGreaterThan(0);
    const sizes = (await skiff(['run', '--rm', 'busybox', 'sh', '-c', `for f in ${masked.join(' ')}; do cat $f | wc -c; done`])).stdout;
    expect(sizes.split('\n').map(Number)).toEqual(masked.map(() => 0));
    expect((await skiff(['run', '--rm', 'busybox', 'unshare', '-n', 'true'])).exitCode).not.toBe(0);
    const sysrq = await skiff(['run', '--rm', 'busybox', 'sh', '-c', 'echo h > /proc/sysrq-trigger']);
    expect(sysrq.exitCode).not.toBe(0);
    expect(sysrq.stderr).toMatch(/Read-only file system|nonexistent directory|No such file/);
  });

  it('lets a container make a disk device node but never open it (devices cgroup)', async () => {
    const { skiff } = sandbox();
    const result = await skiff(['run', '--rm', 'busybox', 'sh', '-c', 'mknod /tmp/sda b 8 0 && head -c 1 /tmp/sda']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/Operation not permitted/);
  });

  it('--cap-drop, --cap-add, --security-opt no-new-privileges, -u', async () => {
    const { skiff } = sandbox();
    const none = (await skiff(['run', '--rm', '--cap-drop', 'ALL', 'busybox', 'cat', '/proc/self/status'])).stdout;
    expect(field(none, 'CapEff')).toBe('0000000000000000');
    const admin = (await skiff(['run', '--rm', '--cap-add', 'NET_ADMIN', 'busybox', 'cat', '/proc/self/status'])).stdout;
    expect(BigInt(`0x${field(admin, 'CapEff')}`) & (1n << 12n)).toBe(1n << 12n);
    const nnp = (await skiff(['run', '--rm', '--security-opt', 'no-new-privileges', 'busybox', 'cat', '/proc/self/status'])).stdout;
    expect(field(nnp, 'NoNewPrivs')).toBe('1');
    expect((await skiff(['run', '--rm', '-u', 'nobody', 'busybox', 'id', '-u'])).stdout).toBe('65534');
    const user = (await skiff(['run', '--rm', '-u', 'nobody', 'busybox', 'cat', '/proc/self/status'])).stdout;
    expect(field(user, 'CapEff')).toBe('0000000000000000');
  });

  it('--read-only keeps the root read-only while --tmpfs and volumes stay writable', async () => {
    const { skiff } = sandbox();
    const result = await skiff(['run', '--rm', '--read-only', '--tmpfs', '/scratch:size=1m', 'busybox', 'sh', '-c', 'touch /scratch/ok && echo wrote; touch /nope']);
    expect(result.stdout).toBe('wrote');
    expect(result.stderr).toMatch(/Read-only file system/);
  });

  it('--privileged lifts the defaults: mount works', async () => {
    const { skiff } = sandbox();
    const result = await skiff(['run', '--rm', '--privileged', 'busybox', 'sh', '-c', 'mkdir /m && mount -t tmpfs none /m && echo mounted']);
    expect(result.stdout).toBe('mounted');
  });

  it('exec gets the container\'s isolation, not more', async () => {
    const { skiff } = sandbox();
    const id = (await skiff(['run', '-d', '--cap-drop', 'ALL', 'busybox', 'sleep', '30'])).stdout;
    const status = (await skiff(['exec', id, 'cat', '/proc/self/status'])).stdout;
    expect(field(status, 'CapEff')).toBe('0000000000000000');
    expect((await skiff(['exec', id, 'sh', '-c', 'mkdir -p /m && mount -t tmpfs none /m'])).exitCode).not.toBe(0);
    await skiff(['rm', '-f', id]);
  });

  it('keeps built seccomp filters in <run-root>/seccomp: a later start of the same profile takes its own from there', async () => {
    const { skiff, runRoot } = sandbox();
    const probe = join(tempDir(), 'probe');
    execFileSync('cc', ['-static', '-O2', '-o', probe, fileURLToPath(new URL('../../../packages/native/test/probe/probe.c', import.meta.url))]);
    // keyctl: refused by docker's profile whatever the capabilities; clone-newns: allowed with CAP_SYS_ADMIN only.
    const start = async (flags: string[] = []) => {
      const result = await skiff(['run', '--rm', '--network', 'none', '-v', `${probe}:/probe:ro`, ...flags, 'busybox', '/probe', 'keyctl', 'unix-socket', 'clone-newns'], { env: { SKIFF_TRACE: '1' } });
      return { exitCode: result.exitCode, stdout: result.stdout, span: /^skiff-trace-span helper-seccomp-(build|cached) /m.exec(String(result.stderr))?.[1] };
    };
    const plain = 'keyctl EPERM\nunix-socket ok\nclone-newns EPERM';
    const admin = 'keyctl EPERM\nunix-socket ok\nclone-newns ok';
    expect(await start()).toEqual({ exitCode: 0, stdout: plain, span: 'build' });
    expect(await start()).toEqual({ exitCode: 0, stdout: plain, span: 'cached' });
    // --cap-add SYS_ADMIN adds docker's namespace rules: another filter, built once, then cached.
    expect(await start(['--cap-add', 'SYS_ADMIN'])).toEqual({ exitCode: 0, stdout: admin, span: 'build' });
    expect(await start(['--cap-add', 'SYS_ADMIN'])).toEqual({ exitCode: 0, stdout: admin, span: 'cached' });
    expect(await start()).toEqual({ exitCode: 0, stdout: plain, span: 'cached' });
    expect(readdirSync(join(runRoot, 'seccomp'))).toHaveLength(2);
    // exec runs the container's profile: from the cache too.
    const id = (await skiff(['run', '-d', '--network', 'none', '-v', `${probe}:/probe:ro`, 'busybox', 'sleep', '30'])).stdout;
    const exec = await skiff(['exec', id, '/probe', 'keyctl'], { env: { SKIFF_TRACE: '1' } });
    expect({ stdout: exec.stdout, span: /^skiff-trace-span helper-seccomp-(build|cached) /m.exec(String(exec.stderr))?.[1] }).toEqual({ stdout: 'keyctl EPERM', span: 'cached' });
    await skiff(['rm', '-f', id]);
  });

  it.each([
    [['--cap-add', 'BOGUS'], /unknown capability/],
    [['--security-opt', 'apparmor=x'], /unsupported --security-opt/],
    [['--tmpfs', 'relative'], /must be an absolute path/],
    [['--device', '/etc/passwd'], /is not a device node/],
    [['-u', 'nosuchuser'], /unable to find user "nosuchuser"/],
  ])('refuses %j with one line before anything is created', async (flags, message) => {
    const { skiff, containers } = sandbox();
    const result = await skiff(['run', '--rm', ...flags, 'busybox', 'true']);
    expectOneLineError(result, message);
    expect(containers()).toEqual([]);
  });
});

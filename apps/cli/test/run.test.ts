import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { hostMountsContaining, sandbox, expectOneLineError } from './cli.js';

describe.runIf(requiresRoot('skiff run tests start real containers'))('skiff run', () => {
  it('runs a command in the busybox image and prints its output', async () => {
    const { skiff, containers } = sandbox();
    const result = await skiff(['run', '--rm', 'busybox', 'echo', 'hello']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('hello');
    expect(result.exitCode).toBe(0);
    expect(containers()).toEqual([]);
  });

  it('passes arguments byte for byte: spaces, quotes, newlines', async () => {
    const { skiff } = sandbox();
    const result = await skiff(['run', '--rm', 'busybox', 'sh', '-c', 'printf "%s|" "$@"', 'x', 'a b', '"q"', "it's", 'l1\nl2', '']);
    expect(result.stdout).toBe('a b|"q"|it\'s|l1\nl2||');
  });

  it("makes the container's exit code its own: plain, by signal, not found, not executable", async () => {
    const { skiff } = sandbox();
    expect((await skiff(['run', '--rm', 'busybox', 'sh', '-c', 'exit 3'])).exitCode).toBe(3);
    // The init itself cannot be SIGKILLed from inside its pid namespace, so a child shell dies instead.
    expect((await skiff(['run', '--rm', 'busybox', 'sh', '-c', 'sh -c "kill -9 \\$\\$"; exit $?'])).exitCode).toBe(137);
    const missing = await skiff(['run', '--rm', 'busybox', 'nosuchcmd']);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/nosuchcmd.*executable file not found/);
    const denied = await skiff(['run', '--rm', 'busybox', '/etc/passwd']);
    expect(denied.exitCode).toBe(126);
    expect(denied.stderr).toMatch(/permission denied/);
  });

  it("gives the container only the image's environment plus -e, never the host's", async () => {
    const { skiff } = sandbox();
    const result = await skiff(['run', '--rm', '-e', 'GREETING=hello world', '-e', 'FROM_SHELL', 'busybox', 'env'], {
      env: { SKIFF_LEAK_CANARY: 'leaked', FROM_SHELL: 'copied' },
    });
    const env = result.stdout.split('\n').sort();
    expect(env).toContain('GREETING=hello world');
    expect(env).toContain('FROM_SHELL=copied');
    expect(env.some((entry) => entry.startsWith('PATH='))).toBe(true);
    expect(result.stdout).not.toContain('SKIFF_LEAK_CANARY');
  });

  it('honours -w and --hostname; the default hostname is the short id, not the host name', async () => {
    const { skiff } = sandbox();
    expect((await skiff(['run', '--rm', '-w', '/tmp/work', 'busybox', 'pwd'])).stdout).toBe('/tmp/work');
    expect((await skiff(['run', '--rm', '--hostname', 'boat', 'busybox', 'hostname'])).stdout).toBe('boat');
    const name = (await skiff(['run', '--rm', 'busybox', 'hostname'])).stdout;
    expect(name).toMatch(/^[0-9a-f]{12}$/);
    expect(name).not.toBe(hostname());
  });

  it('isolates processes, network, mounts and /proc/sys', async () => {
    const { skiff, root } = sandbox();
    const ps = await skiff(['run', '--rm', 'busybox', 'ps', '-o', 'pid,args']);
    const rows = ps.stdout.trim().split('\n').slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.trim()).toMatch(/^1 +ps -o pid,args$/);
    const dev = await skiff(['run', '--rm', 'busybox', 'cat', '/proc/net/dev']);
    const interfaces = dev.stdout.split('\n').slice(2).map((line) => line.split(':')[0]!.trim()).filter(Boolean);
    expect(interfaces).toEqual(['lo']);
    const mountinfo = await skiff(['run', '--rm', 'busybox', 'cat', '/proc/self/mountinfo']);
    const mountPoints = mountinfo.stdout.split('\n').map((line) => line.split(' ')[4]);
    expect(mountPoints[0]).toBe('/');
    for (const point of mountPoints) expect(point).toMatch(/^\/(proc|dev|sys)?(\/|$)/);
    expect(mountinfo.stdout).not.toContain('/sys/fs/cgroup');
    const sys = await skiff(['run', '--rm', 'busybox', 'sh', '-c', 'echo 1 > /proc/sys/kernel/ostype']);
    expect(sys.exitCode).not.toBe(0);
    expect(sys.stderr).toMatch(/Read-only file system/);
  });

  it('shares the host network with --network host', async () => {
    const { skiff } = sandbox();
    // The same network namespace as the host's (comparing interface lists would race other tests' veths).
    const ns = await skiff(['run', '--rm', '--network', 'host', 'busybox', 'readlink', '/proc/self/ns/net']);
    expect(ns.stdout).toBe(readlinkSync('/proc/self/ns/net'));
    const own = await skiff(['run', '--rm', '--network', 'none', 'busybox', 'readlink', '/proc/self/ns/net']);
    expect(own.stdout).not.toBe(readlinkSync('/proc/self/ns/net'));
  });

  it('keeps a finished container and its writable layer without --rm', async () => {
    const { skiff, containers, root } = sandbox();
    const result = await skiff(['run', '--name', 'keeper', 'busybox', 'sh', '-c', 'echo kept > /kept']);
    expect(result.exitCode).toBe(0);
    const [id] = containers();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const record = JSON.parse(readFileSync(join(root, 'containers', id!, 'config.json'), 'utf8'));
    expect(record).toMatchObject({ name: 'keeper', status: 'stopped', exitCode: 0 });
    expect(readFileSync(join(root, 'storage', 'overlay', id!, 'upper', 'kept'), 'utf8')).toBe('kept\n');
    const again = await skiff(['run', '--name', 'keeper', 'busybox', 'true']);
    expect(again.exitCode).toBe(125);
    expect(again.stderr).toMatch(/name "keeper" is already in use/);
  });

  it('refuses aufs on this kernel before creating anything, naming the drivers that work', async ({ skip }) => {
    if (readFileSync('/proc/filesystems', 'utf8').includes('aufs')) return skip('this kernel has aufs');
    const { skiff, containers, root } = sandbox();
    const result = await skiff(['run', '--rm', '--storage-driver', 'aufs', 'busybox', 'true']);
    expectOneLineError(result, /aufs.*not available.*overlay/);
    expect(containers()).toEqual([]);
    expect(existsSync(join(root, 'storage', 'aufs'))).toBe(false);
  });

  it('allocates a terminal with -t: the container sees a tty on /dev/pts', async () => {
    const { skiff } = sandbox();
    const result = await skiff(['run', '--rm', '-t', 'busybox', 'sh', '-c', 'tty; test -t 0 && echo is-a-tty']);
    expect(result.stdout.replaceAll('\r', '')).toBe('/dev/pts/0\nis-a-tty');
  });

  it('keeps stdout and stderr apart without -t', async () => {
    const { skiff } = sandbox();
    const result = await skiff(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
    expect(result.stdout).toBe('out');
    expect(result.stderr).toBe('err');
  });

  it('passes stdin with -i', async () => {
    const { skiff } = sandbox();
    const result = await skiff(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat | tr a-z A-Z'], { input: 'piped\n' });
    expect(result.stdout).toBe('PIPED');
  });

  it('leaves no mount on the host while a container runs, nor after kill -9 of skiff run', async () => {
    const { skiff, root, containers } = sandbox();
    const data = tempDir();
    // A sleep no other test uses, so a leftover of this one is recognisable on a busy machine.
    const seconds = String(3000 + (process.pid % 997));
    const running = skiff(['run', '-v', `${data}:/data`, 'busybox', 'sh', '-c', `touch /data/started; sleep ${seconds}`]);
    for (let i = 0; i < 100 && !existsSync(join(data, 'started')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join(data, 'started'))).toBe(true);
    expect(hostMountsContaining(root)).toEqual([]);
    expect(hostMountsContaining(data)).toEqual([]);
    running.kill('SIGKILL');
    await running;
    await new Promise((r) => setTimeout(r, 300));
    expect(hostMountsContaining(root)).toEqual([]);
    const left = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`sleep\u0000${seconds}`);
      } catch {
        return false;
      }
    });
    expect(left).toEqual([]);
    expect(readdirSync(data)).toEqual(['started']);
    // The killed run left a stopped container: rm -f reconciles and removes it (cgroup included).
    for (const id of containers()) expect((await skiff(['rm', '-f', id])).exitCode).toBe(0);
  });

  it('creates a missing host directory with mode 0755', async () => {
    const { skiff } = sandbox();
    const host = join(tempDir(), 'new', 'dir');
    const result = await skiff(['run', '--rm', '-v', `${host}:/data`, 'busybox', 'sh', '-c', 'echo 1 > /data/f']);
    expect(result.exitCode).toBe(0);
    expect(statSync(host).mode & 0o7777).toBe(0o755);
    expect(readFileSync(join(host, 'f'), 'utf8')).toBe('1\n');
  });

  it('mounts a volume through a symlink in the image inside the root, never on the host', async () => {
    const { skiff } = sandbox();
    const dir = tempDir();
    mkdirSync(join(dir, 'rootfs', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'marker'), '');
    const build = await import('execa').then(({ execa }) =>
      execa('sh', ['-c', `cp /bin/busybox rootfs/bin/busybox && ln -s busybox rootfs/bin/sh && ln -s busybox rootfs/bin/ls && ln -s /../../../etc rootfs/escape && ln -s ../../../../../tmp rootfs/up && tar -C rootfs -cf evil.tar .`], { cwd: dir }),
    );
    expect(build.exitCode).toBe(0);
    expect((await skiff(['import', join(dir, 'evil.tar'), 'evil'])).exitCode).toBe(0);
    const host = tempDir();
    writeFileSync(join(host, 'volume-file'), 'v');
    const probe = `skiff-escape-${process.pid}-${Date.now()}`;
    const result = await skiff(['run', '--rm', '-v', `${host}:/escape`, '-v', `${host}:/up/${probe}`, 'evil', 'ls', '/etc', `/tmp/${probe}`]);
    expect(result.stderr).toBe('');
    expect(result.stdout.match(/volume-file/g)).toHaveLength(2);
    expect(hostMountsContaining('/etc')).toEqual([]);
    expect(existsSync(`/tmp/${probe}`)).toBe(false);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';
import { expectOneLineError, sandbox } from './cli.js';

const PULL = ['--pull', 'never'];

describe.runIf(requiresRoot('these tests run containers'))('logs --since/--until', () => {
  it('keeps the lines written within the times given', async () => {
    const { skiff } = sandbox();
    await skiff(['run', ...PULL, '--name', 'talk', 'busybox', 'sh', '-c', 'echo a; sleep 1; echo b; sleep 1; echo c']);
    const stamped = (await skiff(['logs', '-t', 'talk'])).stdout.split('\n').map((line) => Date.parse(line.split(' ')[0]!) / 1000);
    expect(stamped).toHaveLength(3);
    const between = (x: number, y: number) => String((x + y) / 2);
    expect((await skiff(['logs', '--since', between(stamped[0]!, stamped[1]!), 'talk'])).stdout).toBe('b\nc');
    expect((await skiff(['logs', '--until', between(stamped[1]!, stamped[2]!), 'talk'])).stdout).toBe('a\nb');
    expect((await skiff(['logs', '--since', between(stamped[0]!, stamped[1]!), '--until', between(stamped[1]!, stamped[2]!), 'talk'])).stdout).toBe('b');
    expect((await skiff(['logs', '--since', '1h', 'talk'])).stdout).toBe('a\nb\nc');
    expect((await skiff(['logs', '--since', '2000-01-01T00:00:00Z', '--until', '2000-01-02T00:00:00Z', 'talk'])).stdout).toBe('');
    expectOneLineError(await skiff(['logs', '--since', 'yesterday', 'talk']), /invalid value for --since: "yesterday"/);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('--sysctl, --ulimit, --shm-size', () => {
  it('apply inside the container only', async () => {
    const { skiff } = sandbox();
    const result = await skiff([
      'run', '--rm', ...PULL, '--sysctl', 'kernel.shmmax=123456', '--sysctl', 'net.ipv4.ip_default_ttl=33', '--ulimit', 'nofile=100:200', '--shm-size', '1m',
      'busybox', 'sh', '-c', 'cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_default_ttl; ulimit -n; ulimit -Hn; df -k /dev/shm | tail -1',
    ]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual(['123456', '33', '100', '200']);
    expect(lines[4]).toMatch(/^shm +1024 /);
  });

  it('apply to exec and health checks as to the container, as docker (exec inherits the rlimits)', async () => {
    const { skiff } = sandbox();
    const started = await skiff([
      'run', '-d', ...PULL, '--name', 'limited', '--ulimit', 'nofile=512:600', '--health-cmd', 'test "$(ulimit -n)" = 512', '--health-interval', '1s',
      'busybox', 'sleep', '600',
    ]);
    expect(started.exitCode).toBe(0);
    expect((await skiff(['exec', 'limited', 'sh', '-c', 'ulimit -n; ulimit -Hn'])).stdout).toBe('512\n600');
    expect((await skiff(['exec', '-u', 'nobody', 'limited', 'sh', '-c', 'ulimit -n'])).stdout).toBe('512');
    const deadline = Date.now() + 60_000;
    let health = '';
    while (Date.now() < deadline && !['healthy', 'unhealthy'].includes(health)) {
      health = (await skiff(['inspect', '-f', '{{.State.Health.Status}}', 'limited'])).stdout;
      if (health === 'starting') await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(health).toBe('healthy');
    await skiff(['rm', '-f', 'limited']);
  });

  it('attack: host-global sysctls, net.* with the host network, bad ulimits are one line and create nothing', async () => {
    const { skiff, containers } = sandbox();
    expectOneLineError(await skiff(['run', ...PULL, '--sysctl', 'kernel.panic=1', 'busybox', 'true']), /sysctl "kernel.panic" is not namespaced/);
    expectOneLineError(await skiff(['run', ...PULL, '--sysctl', 'vm.overcommit_memory=1', 'busybox', 'true']), /sysctl "vm.overcommit_memory" is not namespaced/);
    expectOneLineError(await skiff(['run', ...PULL, '--sysctl', 'net/../kernel/panic=1', 'busybox', 'true']), /is not namespaced/);
    expectOneLineError(await skiff(['run', ...PULL, '--network', 'host', '--sysctl', 'net.ipv4.ip_forward=1', 'busybox', 'true']), /not allowed in the host's network namespace/);
    expectOneLineError(await skiff(['run', ...PULL, '--ulimit', 'nofile=10:5', 'busybox', 'true']), /soft limit must be less than or equal to hard limit/);
    expectOneLineError(await skiff(['run', ...PULL, '--ulimit', 'bogus=1', 'busybox', 'true']), /invalid ulimit type: bogus/);
    expectOneLineError(await skiff(['run', ...PULL, '--ulimit', 'nofile', 'busybox', 'true']), /invalid ulimit argument: nofile/);
    expectOneLineError(await skiff(['run', ...PULL, '--shm-size', '0', 'busybox', 'true']), /--shm-size/);
    expect(containers()).toHaveLength(0);
    // Out of the kernel's range: the start fails with the kernel's reason (and the container is left created, as docker).
    const result = await skiff(['run', '--rm', ...PULL, '--ulimit', 'nofile=99999999999', 'busybox', 'true']);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(/setrlimit RLIMIT_NOFILE 99999999999:99999999999: Operation not permitted/);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('--group-add', () => {
  it("adds supplementary groups by number or by the image's group name; an unknown name is one line", async () => {
    const { skiff, containers } = sandbox();
    expect((await skiff(['run', '--rm', ...PULL, '--group-add', '1234', '--group-add', 'tty', 'busybox', 'id'])).stdout).toBe('uid=0(root) gid=0(root) groups=5(tty),1234');
    expect((await skiff(['run', '--rm', ...PULL, '-u', 'nobody', '--group-add', '1234', 'busybox', 'id', '-G'])).stdout).toBe('65534 1234');
    expectOneLineError(await skiff(['run', ...PULL, '--group-add', 'no-such-group', 'busybox', 'true']), /unable to find group "no-such-group"/);
    expectOneLineError(await skiff(['run', ...PULL, '--group-add', 'a:b', 'busybox', 'true']), /invalid group "a:b"/);
    expect(containers()).toHaveLength(0);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('--pid and --ipc', () => {
  it("host shares the host's namespace; container:NAME joins another container's; bad modes are one line", async () => {
    const { skiff, containers } = sandbox();
    const hostPid = await skiff(['run', '--rm', ...PULL, '--pid', 'host', 'busybox', 'sh', '-c', 'echo $$; test -d /proc/1']);
    expect(Number(hostPid.stdout)).toBeGreaterThan(1); // not PID 1: the host's numbering
    await skiff(['run', '-d', ...PULL, '--name', 'first', 'busybox', 'sleep', '100']);
    const joined = await skiff(['run', '--rm', ...PULL, '--pid', 'container:first', '--ipc', 'container:first', 'busybox', 'ps', '-o', 'pid,args']);
    expect(joined.stdout).toMatch(/^\s*1 sleep 100$/m);
    const ipcOf = async (args: string[]) => (await skiff(['run', '--rm', ...PULL, ...args, 'busybox', 'readlink', '/proc/self/ns/ipc'])).stdout;
    const { readlinkSync } = await import('node:fs');
    expect(await ipcOf(['--ipc', 'host'])).toBe(readlinkSync('/proc/self/ns/ipc'));
    expect(await ipcOf(['--ipc', 'private'])).not.toBe(readlinkSync('/proc/self/ns/ipc'));
    const first = JSON.parse((await skiff(['inspect', 'first'])).stdout)[0].State.Pid;
    expect(await ipcOf(['--ipc', 'container:first'])).toBe(readlinkSync(`/proc/${first}/ns/ipc`));
    const before = containers().length;
    expectOneLineError(await skiff(['run', ...PULL, '--pid', 'bogus', 'busybox', 'true']), /invalid --pid mode "bogus"/);
    expectOneLineError(await skiff(['run', ...PULL, '--ipc', 'none', 'busybox', 'true']), /invalid --ipc mode "none"/);
    expectOneLineError(await skiff(['run', ...PULL, '--ipc', 'host', '--sysctl', 'kernel.shmmax=1', 'busybox', 'true']), /not allowed with --ipc host/);
    expect(containers().length).toBe(before);
    await skiff(['stop', '-t', '0', 'first']);
    // Refused while the container is prepared, after the helper has started (it waits for the plan): one line,
    // the helper's silent exit adds none, and nothing is left (--rm).
    const late = await skiff(['run', '--rm', ...PULL, '--pid', 'container:first', 'busybox', 'true']);
    expectOneLineError(late, /cannot join the pid namespace of container first: it is not running/);
    expect(containers().length).toBe(before);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('--oom-kill-disable', () => {
  it("sets the container's memory.oom_control (cgroup v1)", async (context) => {
    const box = sandbox();
    const id = (await box.skiff(['run', '-d', ...PULL, '-m', '32m', '--oom-kill-disable', 'busybox', 'sleep', '60'])).stdout;
    const memory = box.cgroupDirs(id).find((dir) => existsSync(join(dir, 'memory.oom_control')));
    if (!memory) return context.skip('no cgroup v1 memory controller here (v2 has no OOM-killer switch)');
    expect(readFileSync(join(memory, 'memory.oom_control'), 'utf8')).toMatch(/^oom_kill_disable 1$/m);
    const plain = (await box.skiff(['run', '-d', ...PULL, '-m', '32m', 'busybox', 'sleep', '60'])).stdout;
    const other = box.cgroupDirs(plain).find((dir) => existsSync(join(dir, 'memory.oom_control')))!;
    expect(readFileSync(join(other, 'memory.oom_control'), 'utf8')).toMatch(/^oom_kill_disable 0$/m);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('commit -m -c', () => {
  it("sets the image's Comment and applies the changes; an unsupported instruction is one line", async () => {
    const { skiff } = sandbox();
    await skiff(['run', ...PULL, '--name', 'src', 'busybox', 'sh', '-c', 'echo data > /file']);
    const commit = await skiff(['commit', '-m', 'my message', '-c', 'CMD ["cat","/file"]', '-c', 'ENV GREETING=hi', '-c', 'LABEL a=b', '-c', 'WORKDIR /tmp', 'src', 'snap']);
    expect(commit.stdout).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await skiff(['run', '--rm', ...PULL, 'snap'])).stdout).toBe('data');
    expect((await skiff(['run', '--rm', ...PULL, 'snap', 'sh', '-c', 'echo $GREETING $PATH; pwd'])).stdout).toMatch(/^hi \/.*bin.*\n\/tmp$/);
    const image = JSON.parse((await skiff(['image', 'inspect', 'snap'])).stdout)[0];
    expect(image.Comment).toBe('my message');
    expect(image.Config.Labels).toEqual({ a: 'b' });
    expect((await skiff(['history', 'snap'])).stdout.split('\n')[1]).toMatch(/my message$/);
    expectOneLineError(await skiff(['commit', '-c', 'EXPOSE 0', 'src', 'other']), /EXPOSE 0: use PORT/);
  });
});

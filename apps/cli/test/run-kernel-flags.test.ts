/**
 * docker run's cgroup, namespace and process flags that skiff added for parity, each checked on the real kernel:
 * the value read back inside the container or from the container's cgroup files.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';
import { expectOneLineError, sandbox } from './cli.js';
import { networkSandbox } from './network-sandbox.js';

const PULL = ['--pull', 'never'];
const cgroupFile = (dirs: string[], name: string) => {
  const dir = dirs.find((d) => existsSync(join(d, name)));
  if (!dir) throw new Error(`no ${name} in ${dirs.join(', ')}`);
  return readFileSync(join(dir, name), 'utf8').trim();
};

/** A whole disk of this host (block devices with a request queue; throttles refuse partitions), as /dev/NAME. */
function wholeDisk(): { path: string; numbers: string } | undefined {
  for (const name of existsSync('/sys/block') ? readdirSync('/sys/block') : []) {
    if (/^(loop|ram)/.test(name) || !existsSync(`/dev/${name}`) || !statSync(`/dev/${name}`).isBlockDevice()) continue;
    return { path: `/dev/${name}`, numbers: readFileSync(`/sys/block/${name}/dev`, 'utf8').trim() };
  }
  return undefined;
}
const disk = wholeDisk();
/** This process holds capability `bit` (CAP_SYS_RESOURCE is 24; some sandboxes run root without it). */
const hasCapability = (bit: number) => {
  const mask = /^CapEff:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0';
  return ((BigInt(`0x${mask}`) >> BigInt(bit)) & 1n) === 1n;
};
const v1 = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');

describe.runIf(requiresRoot('these tests run containers'))('cgroup limits: --cpu-period/--cpu-quota, --memory-reservation/--memory-swappiness', () => {
  it.runIf(v1)('are written to the container\'s cgroup (v1 files) and shown by inspect', async () => {
    const { skiff, cgroupDirs } = sandbox();
    const id = (await skiff(['run', '-d', ...PULL, '--cpu-period', '50000', '--cpu-quota', '25000', '--memory-reservation', '20m', '--memory-swappiness', '0',
      'busybox', 'sleep', '100'])).stdout;
    const dirs = cgroupDirs(id);
    expect(cgroupFile(dirs, 'cpu.cfs_period_us')).toBe('50000');
    expect(cgroupFile(dirs, 'cpu.cfs_quota_us')).toBe('25000');
    expect(cgroupFile(dirs, 'memory.soft_limit_in_bytes')).toBe(String(20 * 1024 * 1024));
    expect(cgroupFile(dirs, 'memory.swappiness')).toBe('0');
    const host = JSON.parse((await skiff(['inspect', '-f', '{{json .HostConfig}}', id])).stdout);
    expect(host).toMatchObject({ CpuPeriod: 50000, CpuQuota: 25000, NanoCpus: 0, MemoryReservation: 20 * 1024 * 1024, MemorySwappiness: 0 });
    await skiff(['rm', '-f', id]);
  });

  it('refuses docker\'s conflicts and ranges with one line, creating nothing', async () => {
    const { skiff, containers } = sandbox();
    expectOneLineError(await skiff(['run', ...PULL, '--cpus', '1', '--cpu-quota', '5000', 'busybox', 'true']), /Conflicting options: Nano CPUs and CPU Quota cannot both be set/);
    expectOneLineError(await skiff(['run', ...PULL, '--cpu-period', '999', 'busybox', 'true']), /CPU cfs period can not be less than 1ms/);
    expectOneLineError(await skiff(['run', ...PULL, '--memory-swappiness', '101', 'busybox', 'true']), /valid memory swappiness range is 0-100/);
    expectOneLineError(await skiff(['run', ...PULL, '-m', '10m', '--memory-reservation', '20m', 'busybox', 'true']), /can not be less than memory reservation/);
    expect(containers()).toHaveLength(0);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('block I/O: --blkio-weight, --device-{read,write}-{bps,iops}', () => {
  it.runIf(v1 && disk)(`throttles ${disk?.path} (${disk?.numbers}) in the blkio cgroup, by the device's numbers`, async () => {
    const { skiff, cgroupDirs } = sandbox();
    const { path, numbers } = disk!;
    const id = (await skiff(['run', '-d', ...PULL, '--device-read-bps', `${path}:1mb`, '--device-write-bps', `${path}:2mb`,
      '--device-read-iops', `${path}:100`, '--device-write-iops', `${path}:200`, 'busybox', 'sleep', '100'])).stdout;
    const dirs = cgroupDirs(id);
    expect(cgroupFile(dirs, 'blkio.throttle.read_bps_device')).toBe(`${numbers} 1048576`);
    expect(cgroupFile(dirs, 'blkio.throttle.write_bps_device')).toBe(`${numbers} 2097152`);
    expect(cgroupFile(dirs, 'blkio.throttle.read_iops_device')).toBe(`${numbers} 100`);
    expect(cgroupFile(dirs, 'blkio.throttle.write_iops_device')).toBe(`${numbers} 200`);
    const host = JSON.parse((await skiff(['inspect', '-f', '{{json .HostConfig}}', id])).stdout);
    expect(host.BlkioDeviceReadBps).toEqual([{ Path: path, Rate: 1048576 }]);
    await skiff(['rm', '-f', id]);
  });

  it.runIf(v1)('--blkio-weight lands in blkio.bfq.weight (or blkio.weight), or fails with one line where the scheduler has neither', async () => {
    const { skiff, cgroupDirs } = sandbox();
    const result = await skiff(['run', '-d', ...PULL, '--blkio-weight', '300', 'busybox', 'sleep', '100']);
    if (result.exitCode === 0) {
      const dirs = cgroupDirs(result.stdout);
      const weight = existsSync(join(dirs.find((d) => d.includes('blkio')) ?? '', 'blkio.bfq.weight')) ? 'blkio.bfq.weight' : 'blkio.weight';
      expect(cgroupFile(dirs, weight)).toMatch(/(^|\s)300$/);
      await skiff(['rm', '-f', result.stdout]);
    } else {
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/has no blkio.bfq.weight or blkio.weight/);
    }
  });

  it('attack: a device outside /dev, a path with .., a char device, a missing one: one line each, nothing created', async () => {
    const { skiff, containers } = sandbox();
    expectOneLineError(await skiff(['run', ...PULL, '--device-read-bps', '/etc/passwd:1mb', 'busybox', 'true']), /must be a path under \/dev\//);
    expectOneLineError(await skiff(['run', ...PULL, '--device-write-bps', '/dev/../etc/passwd:1mb', 'busybox', 'true']), /must be a path under \/dev\//);
    expectOneLineError(await skiff(['run', ...PULL, '--device-read-iops', '/dev/null:10', 'busybox', 'true']), /\/dev\/null is not a block device/);
    expectOneLineError(await skiff(['run', ...PULL, '--blkio-weight-device', '/dev/skiff-no-such-disk:100', 'busybox', 'true']), /does not exist on this host/);
    expectOneLineError(await skiff(['run', ...PULL, '--blkio-weight', '5', 'busybox', 'true']), /range of blkio weight is from 10 to 1000/);
    expect(containers()).toHaveLength(0);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('--oom-score-adj, --domainname, --uts, --cgroupns', () => {
  it('--oom-score-adj is the init\'s and its children\'s; --domainname is set in the container\'s own UTS namespace', async () => {
    const { skiff } = sandbox();
    const result = await skiff(['run', '--rm', ...PULL, '--init', '--oom-score-adj', '500', '--domainname', 'example.test', 'busybox', 'sh', '-c',
      'cat /proc/1/oom_score_adj /proc/self/oom_score_adj /proc/sys/kernel/domainname']);
    expect(result.stdout.split('\n')).toEqual(['500', '500', 'example.test']);
    expect(readFileSync('/proc/sys/kernel/domainname', 'utf8').trim()).not.toBe('example.test');
  });

  it.runIf(hasCapability(24))('a negative --oom-score-adj (protection from the OOM killer) takes CAP_SYS_RESOURCE, which this root has', async () => {
    const { skiff } = sandbox();
    expect((await skiff(['run', '--rm', ...PULL, '--oom-score-adj', '-500', 'busybox', 'cat', '/proc/self/oom_score_adj'])).stdout).toBe('-500');
  });

  it('--uts host shares the host\'s namespace and name; the container cannot be given a name of its own there', async () => {
    const { skiff, containers } = sandbox();
    const result = await skiff(['run', '--rm', ...PULL, '--uts', 'host', 'busybox', 'sh', '-c', 'readlink /proc/self/ns/uts; hostname']);
    expect(result.stdout.split('\n')).toEqual([readlinkSync('/proc/self/ns/uts'), hostname()]);
    // Regression guard: with the host's namespace the helper must never call sethostname/setdomainname.
    expectOneLineError(await skiff(['run', ...PULL, '--uts', 'host', '-h', 'renamed', 'busybox', 'true']), /conflicting options: hostname and the UTS mode/);
    expectOneLineError(await skiff(['run', ...PULL, '--uts', 'host', '--domainname', 'renamed', 'busybox', 'true']), /conflicting options: domainname and the UTS mode/);
    expectOneLineError(await skiff(['run', ...PULL, '--uts', 'container:x', 'busybox', 'true']), /invalid --uts/);
    expect(containers()).toHaveLength(0);
    expect(hostname()).not.toBe('renamed');
  });

  it('--cgroupns private roots the container (and exec) at its own cgroup; host shows the host\'s path', async () => {
    const { skiff, cgroupParent } = sandbox();
    const own = await skiff(['run', '-d', ...PULL, '--cgroupns', 'private', 'busybox', 'sleep', '100']);
    const memoryLine = (text: string) => text.split('\n').find((line) => /:memory:/.test(line));
    expect(memoryLine((await skiff(['exec', own.stdout, 'cat', '/proc/self/cgroup'])).stdout)).toMatch(/:memory:\/$/);
    expect(readlinkSync(`/proc/${JSON.parse((await skiff(['inspect', own.stdout])).stdout)[0].State.Pid}/ns/cgroup`)).not.toBe(readlinkSync('/proc/self/ns/cgroup'));
    const shared = await skiff(['run', '--rm', ...PULL, '--cgroupns', 'host', 'busybox', 'cat', '/proc/self/cgroup']);
    expect(memoryLine(shared.stdout)).toContain(`/${cgroupParent}/`);
    expect((await skiff(['inspect', '-f', '{{.HostConfig.CgroupnsMode}}', own.stdout])).stdout).toBe('private');
    await skiff(['rm', '-f', own.stdout]);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('--device-cgroup-rule', () => {
  it.runIf(existsSync('/dev/fuse'))('lets the container open a node it made only when a rule allows its numbers', async () => {
    const { skiff, cgroupDirs } = sandbox();
    const script = 'mknod /tmp/fuse c 10 229 && exec 3<>/tmp/fuse && echo opened';
    const denied = await skiff(['run', '--rm', ...PULL, 'busybox', 'sh', '-c', script]);
    expect(denied.stderr).toMatch(/Operation not permitted/);
    const allowed = await skiff(['run', '--rm', ...PULL, '--device-cgroup-rule', 'c 10:229 rw', 'busybox', 'sh', '-c', script]);
    expect(allowed.stdout).toBe('opened');
    if (v1) {
      const id = (await skiff(['run', '-d', ...PULL, '--device-cgroup-rule', 'c 10:229 rw', 'busybox', 'sleep', '100'])).stdout;
      expect(cgroupFile(cgroupDirs(id), 'devices.list').split('\n')).toContain('c 10:229 rw');
      await skiff(['rm', '-f', id]);
    }
  });

  it('attack: a rule that is not a devices.allow line (newline, extra words) is one line, nothing created', async () => {
    const { skiff, containers } = sandbox();
    expectOneLineError(await skiff(['run', ...PULL, '--device-cgroup-rule', 'c 1:3 rwm\na', 'busybox', 'true']), /invalid --device-cgroup-rule/);
    expectOneLineError(await skiff(['run', ...PULL, '--device-cgroup-rule', 'x 1:3 r', 'busybox', 'true']), /invalid --device-cgroup-rule/);
    expect(containers()).toHaveLength(0);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('--annotation, --expose, and the flags that cannot apply on Linux', () => {
  it('--annotation shows in inspect; --expose adds to Config.ExposedPorts', async () => {
    const { skiff } = sandbox();
    const id = (await skiff(['create', ...PULL, '--annotation', 'org.example/team=db', '--expose', '8000-8001', '--expose', '53/udp', 'busybox', 'true'])).stdout;
    expect(JSON.parse((await skiff(['inspect', '-f', '{{json .HostConfig.Annotations}}', id])).stdout)).toEqual({ 'org.example/team': 'db' });
    expect(Object.keys(JSON.parse((await skiff(['inspect', '-f', '{{json .Config.ExposedPorts}}', id])).stdout))).toEqual(['8000/tcp', '8001/tcp', '53/udp']);
    await skiff(['rm', id]);
    expectOneLineError(await skiff(['run', ...PULL, '--expose', '70000', 'busybox', 'true']), /invalid range format for --expose/);
  });

  it.each([
    [['--isolation', 'hyperv'], /Linux only supports 'default'/],
    [['--userns', 'remap'], /use --userns=host/],
    [['--gpus', 'all'], /--gpus/],
    [['--runtime', 'kata'], /unknown or invalid runtime name: kata/],
    [['--storage-opt', 'size=1G'], /--storage-opt is not supported/],
    [['--io-maxbandwidth', '1m'], /does not support Maximum IO Bandwidth/],
    [['--oom-score-adj', '1001'], /range for oom score adj is \[-1000, 1000\]/],
    [['--cgroupns', 'shared'], /invalid --cgroupns/],
    [['--cgroup-parent', '../../escaped'], /invalid cgroup parent "..\/..\/escaped": a relative path without ".."/],
    [['--cgroup-parent', 'skiff/../../escaped'], /invalid cgroup parent/],
  ])('refuses %j with one line before anything is created', async (flags, message) => {
    const { skiff, containers } = sandbox();
    expectOneLineError(await skiff(['run', '--rm', ...PULL, ...flags, 'busybox', 'true']), message);
    expect(containers()).toEqual([]);
  });

  it('accepts the no-op forms docker scripts pass (--isolation default, --userns host, --runtime runc, --disable-content-trust=false, -q)', async () => {
    const { skiff } = sandbox();
    const result = await skiff(['run', '--rm', ...PULL, '-q', '--isolation', 'default', '--userns', 'host', '--runtime', 'runc', '--disable-content-trust=false',
      '--log-driver', 'json-file', '--kernel-memory', '10m', 'busybox', 'echo', 'ran']);
    expect(result.stdout).toBe('ran');
    expect(result.stderr).toMatch(/--kernel-memory discarded/);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('stats NET I/O and BLOCK I/O', () => {
  it.runIf(v1)("counts the container's own interfaces and its blkio cgroup (the writes of processes gone already included)", async () => {
    const { skiff } = networkSandbox();
    const script = 'ping -c 2 -W 1 $(ip route | awk \'/default/ {print $3}\') >/dev/null 2>&1; dd if=/dev/zero of=/big bs=1M count=8 oflag=direct 2>/dev/null; touch /ready; exec sleep 100';
    const started = await skiff(['run', '-d', ...PULL, 'busybox', 'sh', '-c', script]);
    const id = started.stdout;
    expect(id, String(started.stderr)).toMatch(/^[0-9a-f]{64}$/);
    for (let i = 0; i < 200 && (await skiff(['exec', id, 'test', '-f', '/ready'])).exitCode !== 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const [net, block] = (await skiff(['stats', '--no-stream', '--format', '{{.NetIO}}|{{.BlockIO}}', id])).stdout.split('|');
    expect(net).toMatch(/^[1-9][\d.]*k?B \/ [1-9][\d.]*k?B$/); // ping went out and came back (or at least ARP did)
    expect(block).toMatch(/ \/ ([89]|\d\d)(\.\d+)?MB$/); // the 8 MiB written with O_DIRECT, by a dd that has exited
    await skiff(['rm', '-f', id]);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('--ip, --ip6, --mac-address', () => {
  it('a user network gives the container the address and MAC asked for; a taken address is one line', async () => {
    const sb = networkSandbox();
    expect((await sb.skiff(['network', 'create', '--subnet', '10.239.77.0/24', 'fixed'])).exitCode).toBe(0);
    const first = await sb.skiff(['run', '-d', ...PULL, '--network', 'fixed', '--ip', '10.239.77.50', '--mac-address', '92:d0:c6:0a:29:33', 'busybox', 'sleep', '100']);
    expect(first.exitCode).toBe(0);
    const inside = (await sb.skiff(['exec', first.stdout, 'ip', '-o', 'addr', 'show', 'eth0'])).stdout;
    expect(inside).toContain('inet 10.239.77.50/24');
    expect((await sb.skiff(['exec', first.stdout, 'cat', '/sys/class/net/eth0/address'])).stdout).toBe('92:d0:c6:0a:29:33');
    const taken = await sb.skiff(['run', '--rm', ...PULL, '--network', 'fixed', '--ip', '10.239.77.50', 'busybox', 'true']);
    expect(taken.exitCode).toBe(125);
    expect(taken.stderr).toMatch(/Address already in use: 10.239.77.50/);
    await sb.skiff(['rm', '-f', first.stdout]);
  });

  it('refuses what docker refuses: --ip on the default bridge or outside the subnet, --ip6, a bad or multicast MAC', async () => {
    const sb = networkSandbox();
    expect((await sb.skiff(['network', 'create', '--subnet', '10.239.78.0/24', 'fixed'])).exitCode).toBe(0);
    expectOneLineError(await sb.skiff(['run', ...PULL, '--ip', '10.239.78.9', 'busybox', 'true']), /user specified IP address is supported on user defined networks only/);
    expectOneLineError(await sb.skiff(['run', ...PULL, '--network', 'fixed', '--ip6', 'fd00::9', 'busybox', 'true']), /IPv4 only/);
    expectOneLineError(await sb.skiff(['run', ...PULL, '--network', 'fixed', '--ip', 'not-an-ip', 'busybox', 'true']), /invalid --ip "not-an-ip"/);
    expectOneLineError(await sb.skiff(['run', ...PULL, '--network', 'fixed', '--mac-address', '01:00:5e:00:00:01', 'busybox', 'true']), /multicast/);
    expectOneLineError(await sb.skiff(['run', ...PULL, '--network', 'fixed', '--mac-address', 'zz', 'busybox', 'true']), /is not a valid mac address/);
    expectOneLineError(await sb.skiff(['run', ...PULL, '--network', 'none', '--mac-address', '92:d0:c6:0a:29:33', 'busybox', 'true']), /conflicting options: mac-address/);
    expect(sb.containers()).toHaveLength(0);
    // Outside the subnet: found at start (the address is claimed then), one line, the container left created.
    const outside = await sb.skiff(['run', '--rm', ...PULL, '--network', 'fixed', '--ip', '10.9.9.9', 'busybox', 'true']);
    expect(outside.exitCode).toBe(125);
    expect(outside.stderr.trim().split('\n')).toHaveLength(1);
    expect(outside.stderr).toMatch(/no matching subnet/);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('--cpu-rt-period, --cpu-rt-runtime', () => {
  const rt = existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us');
  it.runIf(v1 && rt)('hand the real-time budget down every parent level to the container\'s cgroup', async () => {
    const { skiff, cgroupDirs } = sandbox();
    const id = (await skiff(['run', '-d', ...PULL, '--cpu-rt-period', '1000000', '--cpu-rt-runtime', '10000', 'busybox', 'sleep', '100'])).stdout;
    const dirs = cgroupDirs(id);
    expect(cgroupFile(dirs, 'cpu.rt_period_us')).toBe('1000000');
    expect(cgroupFile(dirs, 'cpu.rt_runtime_us')).toBe('10000');
    expect((await skiff(['inspect', '-f', '{{.HostConfig.CpuRealtimeRuntime}}', id])).stdout).toBe('10000');
    await skiff(['rm', '-f', id]);
  });

  it('a runtime over its period is one line, nothing created', async () => {
    const { skiff, containers } = sandbox();
    expectOneLineError(await skiff(['run', ...PULL, '--cpu-rt-period', '10000', '--cpu-rt-runtime', '20000', 'busybox', 'true']), /cannot be higher than the real-time period/);
    expect(containers()).toHaveLength(0);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('--link', () => {
  it("puts a running container's address in /etc/hosts under its name and the alias; refuses a stopped one", async () => {
    const sb = networkSandbox();
    const db = (await sb.skiff(['run', '-d', ...PULL, '--name', 'db', 'busybox', 'sleep', '100'])).stdout;
    const ip = (await sb.skiff(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', db])).stdout;
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const web = await sb.skiff(['run', '--rm', ...PULL, '--link', 'db:database', 'busybox', 'sh', '-c', 'grep -w database /etc/hosts; ping -c 1 -W 2 database >/dev/null && echo reached']);
    expect(web.stdout.split('\n')).toEqual([`${ip}\tdatabase`, 'reached']);
    await sb.skiff(['stop', '-t', '0', 'db']);
    const late = await sb.skiff(['run', '--rm', ...PULL, '--link', 'db', 'busybox', 'true']);
    expect(late.exitCode).toBe(125);
    expect(late.stderr).toMatch(/Cannot link to a non running container: \/db AS \/.+\/db/);
    expectOneLineError(await sb.skiff(['run', ...PULL, '--link', 'nosuch', 'busybox', 'true']), /nosuch/);
    expectOneLineError(await sb.skiff(['run', ...PULL, '--network', 'none', '--link', 'db', 'busybox', 'true']), /conflicting options: --link and the none network mode/);
    expectOneLineError(await sb.skiff(['run', ...PULL, '--link', 'db:bad alias', 'busybox', 'true']), /--link alias/);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('--link-local-ip', () => {
  it('adds the link-local address to the container\'s interface; anything else is one line', async () => {
    const sb = networkSandbox();
    const result = await sb.skiff(['run', '--rm', ...PULL, '--link-local-ip', '169.254.10.20', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
    expect(result.stdout).toMatch(/inet 169\.254\.10\.20\/16 /);
    expectOneLineError(await sb.skiff(['run', ...PULL, '--link-local-ip', '10.0.0.1', 'busybox', 'true']), /is not a link-local address/);
    expectOneLineError(await sb.skiff(['run', ...PULL, '--network', 'host', '--link-local-ip', '169.254.1.1', 'busybox', 'true']), /conflicting options: --link-local-ip/);
    expect(sb.containers()).toHaveLength(0);
  });
});

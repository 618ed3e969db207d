import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectCgroupVersion, findV1Mounts } from './detect.js';
import { CgroupError } from './errors.js';

/** This development host: v1 controllers each in its own hierarchy (cpu and cpuacct apart), an empty unified. */
const hybridHost = `22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw
30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

/** A current systemd distribution: the unified hierarchy at /sys/fs/cgroup itself. */
const pureV2Host = `24 1 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
25 24 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
26 24 0:6 / /sys/kernel/security rw,nosuid,nodev,noexec,relatime shared:9 - securityfs securityfs rw
`;

/** An older systemd host (CentOS 7 style): co-mounted cpu,cpuacct and net_cls,net_prio, no unified. */
const pureV1Host = `18 62 0:17 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw
24 18 0:20 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:7 - tmpfs tmpfs ro,mode=755
25 24 0:21 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:8 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd
28 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct
29 24 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory
30 24 0:26 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,net_cls,net_prio
31 24 0:27 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpuset
32 24 0:28 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,pids
33 24 0:29 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,freezer
34 24 0:30 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,devices
35 24 0:31 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,blkio
`;

describe('detectCgroupVersion', () => {
  it('calls a hybrid host v1: its empty unified mount must not make it v2', () => {
    expect(detectCgroupVersion(hybridHost)).toBe('v1');
  });

  it('calls a host v2 only when /sys/fs/cgroup itself is cgroup2', () => {
    expect(detectCgroupVersion(pureV2Host)).toBe('v2');
  });

  it('calls a pure v1 host v1', () => {
    expect(detectCgroupVersion(pureV1Host)).toBe('v1');
  });

  it('looks at the given root', () => {
    expect(detectCgroupVersion(hybridHost, '/sys/fs/cgroup/unified')).toBe('v2');
  });

  it('takes the last mount on a path (an overmount hides the one below)', () => {
    const overmounted = `${pureV2Host}40 25 0:40 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n41 40 0:41 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n`;
    expect(detectCgroupVersion(overmounted)).toBe('v1');
  });

  it('says NOT_SUPPORTED when nothing is mounted', () => {
    const bare = '22 1 0:21 / /sys rw - sysfs sysfs rw\n';
    expect(() => detectCgroupVersion(bare)).toThrowError(/no cgroup filesystem is mounted at \/sys\/fs\/cgroup/);
    try {
      detectCgroupVersion(bare);
    } catch (error) {
      expect(CgroupError.is(error, 'NOT_SUPPORTED')).toBe(true);
    }
  });

  it('reads this host when given no text (statfs agrees with mountinfo)', () => {
    expect(detectCgroupVersion()).toBe(detectCgroupVersion(readFileSync('/proc/self/mountinfo', 'utf8')));
  });
});

describe('findV1Mounts', () => {
  it('maps each controller of the hybrid host to its own hierarchy and ignores name=systemd and cgroup2', () => {
    expect(findV1Mounts(hybridHost)).toEqual({
      cpu: '/sys/fs/cgroup/cpu',
      cpuacct: '/sys/fs/cgroup/cpuacct',
      cpuset: '/sys/fs/cgroup/cpuset',
      memory: '/sys/fs/cgroup/memory',
      devices: '/sys/fs/cgroup/devices',
      freezer: '/sys/fs/cgroup/freezer',
      pids: '/sys/fs/cgroup/pids',
      blkio: '/sys/fs/cgroup/blkio',
    });
  });

  it('maps co-mounted controllers to one directory', () => {
    const mounts = findV1Mounts(pureV1Host);
    expect(mounts.cpu).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(mounts.cpuacct).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(mounts.memory).toBe('/sys/fs/cgroup/memory');
  });

  it('finds nothing on a pure v2 host', () => {
    expect(findV1Mounts(pureV2Host)).toEqual({});
  });

  it('only considers mounts under the root', () => {
    expect(findV1Mounts(hybridHost, '/elsewhere')).toEqual({});
  });
});

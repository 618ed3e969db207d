// What the opencontainers/runtime-tools suite asks of skiff-runc (oci-validation.test.ts runs the suite itself),
// each exercised here through skiff-runc on the real kernel, with the attacks each widening opens.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pollUntil } from '@skiff/plugin';
import { requiresRoot, suiteCgroupParent, tempDir } from '../../../test/support.js';
import { bundle, create, mountsUnder, removeCgroupTree, skiffRunc, status, type Runc } from './oci-fixture.js';

/** create + start a bundle made by `edit`, wait until it stops; its stdout and stderr, or the create's failure. */
async function runToEnd(edit: (config: any) => void, dir = tempDir('oci-')) {
  const runc = skiffRunc(join(dir, 'state'));
  bundle(join(dir, 'bundle'), (c) => {
    c.linux.cgroupsPath = `/${suiteCgroupParent('oci-')}`;
    edit(c);
  });
  const created = await create(runc, dir, 'c1');
  const log = () => (existsSync(join(dir, 'log.json')) ? readFileSync(join(dir, 'log.json'), 'utf8') : '');
  if (created.exitCode !== 0) return { created: created.exitCode, out: '', err: readFileSync(join(dir, 'err'), 'utf8'), log: log(), runc };
  expect((await runc.run(['start', 'c1'])).exitCode).toBe(0);
  expect(await pollUntil(async () => (await status(runc, 'c1')) === 'stopped', 20_000)).toBe(true);
  const out = readFileSync(join(dir, 'out'), 'utf8');
  const err = readFileSync(join(dir, 'err'), 'utf8');
  expect((await runc.run(['delete', 'c1'])).exitCode).toBe(0);
  return { created: 0, out, err, log: log(), runc };
}

/** One capability set of /proc/self/status as a number ("CapInh" ...). */
const capSet = (out: string, name: string) => Number.parseInt(/^(\S+):\s+([0-9a-f]+)$/m.exec(out.split('\n').filter((line) => line.startsWith(`${name}:`)).join('\n'))?.[2] ?? 'x', 16);
const bit = (...numbers: number[]) => numbers.reduce((sum, n) => sum + 2 ** n, 0);
const CAP_CHOWN = 0;
const CAP_KILL = 5;
const CAP_NET_BIND_SERVICE = 10;

describe.runIf(requiresRoot('skiff-runc runs real containers'))('skiff-runc: the runtime-tools requirements', () => {
  it('applies process.capabilities.inheritable and .ambient (root, and a non-root user who keeps its ambient set)', async () => {
    const caps = ['CAP_KILL', 'CAP_CHOWN'];
    const root = await runToEnd((c) => {
      c.process.args = ['grep', 'Cap', '/proc/self/status'];
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: ['CAP_KILL'] };
    });
    expect(root.created, root.err).toBe(0);
    expect(capSet(root.out, 'CapBnd')).toBe(bit(CAP_CHOWN, CAP_KILL));
    expect(capSet(root.out, 'CapInh')).toBe(bit(CAP_CHOWN, CAP_KILL));
    expect(capSet(root.out, 'CapAmb')).toBe(bit(CAP_KILL));
    expect(capSet(root.out, 'CapEff')).toBe(bit(CAP_CHOWN, CAP_KILL));

    const bind = ['CAP_NET_BIND_SERVICE'];
    const user = await runToEnd((c) => {
      c.process.args = ['grep', 'Cap', '/proc/self/status'];
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.capabilities = { bounding: [...bind, 'CAP_KILL'], effective: bind, permitted: bind, inheritable: bind, ambient: bind };
    });
    expect(user.created, user.err).toBe(0);
    // execve gave the non-root user its ambient set as effective and permitted; CAP_KILL only bounds.
    expect(capSet(user.out, 'CapEff')).toBe(bit(CAP_NET_BIND_SERVICE));
    expect(capSet(user.out, 'CapPrm')).toBe(bit(CAP_NET_BIND_SERVICE));
    expect(capSet(user.out, 'CapAmb')).toBe(bit(CAP_NET_BIND_SERVICE));
    expect(capSet(user.out, 'CapBnd')).toBe(bit(CAP_KILL, CAP_NET_BIND_SERVICE));
  });

  it('refuses inheritable capabilities outside the bounding set; warns of ambient ones the kernel would not raise', async () => {
    const outside = await runToEnd((c) => {
      c.process.capabilities = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: ['CAP_SYS_ADMIN'] };
    });
    expect(outside.created).toBe(1);
    expect(outside.err.trim().split('\n')).toEqual([expect.stringMatching(/outside the bounding set \(CAP_SYS_ADMIN\)/)]);
    const ambient = await runToEnd((c) => {
      c.process.args = ['grep', 'CapAmb', '/proc/self/status'];
      c.process.capabilities = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], ambient: ['CAP_KILL'] };
    });
    expect(ambient.created).toBe(0);
    expect(capSet(ambient.out, 'CapAmb')).toBe(0);
    expect(ambient.log).toMatch(/"level":"warning","msg":"process.capabilities.ambient: CAP_KILL not raised \(not in the inheritable set\)"/);
  });

  it("closes the helper's fds before the config's seccomp profile loads: a profile that kills close_range still starts", async () => {
    // Without no_new_privs the filter goes in while the init still holds every capability, before it waits for
    // `start`: any close_range after that point would kill it.
    const result = await runToEnd((c) => {
      c.process.args = ['sh', '-c', 'echo started'];
      c.process.noNewPrivileges = false;
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['close_range'], action: 'SCMP_ACT_KILL_PROCESS' }] };
    });
    expect(result.created, result.err).toBe(0);
    expect(result.out).toBe('started\n');
  });

  it('seccomp: a default that allows, with errno (errnoRet or EPERM), kill and trap rules', async () => {
    const result = await runToEnd((c) => {
      // busybox runs sync nofork: in a child shell, so that only that one dies.
      c.process.args = ['sh', '-c', 'echo "cwd [$(pwd -P)]"; sh -c sync; echo "sync $?"; sh -c "sync -d /etc/passwd"; echo "fdatasync $?"; touch /tmp/x; echo "touch $?"'];
      c.root.readonly = false;
      c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['getcwd'], action: 'SCMP_ACT_ERRNO' },
          { names: ['sync'], action: 'SCMP_ACT_KILL_PROCESS' },
          { names: ['fdatasync'], action: 'SCMP_ACT_TRAP' },
          { names: ['utimensat'], action: 'SCMP_ACT_ERRNO', errnoRet: 28 },
        ],
      };
    });
    expect(result.created, result.err).toBe(0);
    // getcwd refused: busybox's pwd prints nothing; the killed and trapped shells died of SIGSYS (128 + 31).
    expect(result.out.split('\n')).toEqual(['cwd []', 'sync 159', 'fdatasync 159', 'touch 1', '']);
    expect(result.err).toMatch(/touch: \/tmp\/x: No space left on device/); // errno 28, as errnoRet asked
  });

  it('linux.cgroupsPath: an absolute path is used as given below each hierarchy root, a relative one below skiff-runc/', async () => {
    const top = suiteCgroupParent('oci-');
    const pidsOf = (path: string) => `/sys/fs/cgroup/pids/${path}`;
    const absolute = await runToEnd((c) => {
      c.process.args = ['cat', '/proc/self/cgroup'];
      c.linux.cgroupsPath = `/${top}`;
    });
    expect(absolute.created, absolute.err).toBe(0);
    expect(absolute.out).toMatch(new RegExp(`^\\d+:pids:/${top}$`, 'm'));
    expect(existsSync(pidsOf(top))).toBe(false); // delete removed it

    const relative = await runToEnd((c) => {
      c.process.args = ['cat', '/proc/self/cgroup'];
      c.linux.cgroupsPath = `${top}/c`;
    });
    onTestFinished(() => removeCgroupTree(`skiff-runc/${top}`));
    expect(relative.created, relative.err).toBe(0);
    expect(relative.out).toMatch(new RegExp(`^\\d+:pids:/skiff-runc/${top}/c$`, 'm'));
  });

  it("attack: delete removes only the container's own cgroup, never the manager's empty parents (a kubelet's pod cgroup)", async () => {
    const top = suiteCgroupParent('oci-');
    onTestFinished(() => removeCgroupTree(top));
    const pod = '/sys/fs/cgroup/pids/' + top + '/kubepods/pod1';
    mkdirSync(pod, { recursive: true }); // the manager's, made before the container as a kubelet does
    const result = await runToEnd((c) => {
      c.process.args = ['cat', '/proc/self/cgroup'];
      c.linux.cgroupsPath = `/${top}/kubepods/pod1/ctr`;
    });
    expect(result.created, result.err).toBe(0);
    expect(result.out).toMatch(new RegExp(`^\\d+:pids:/${top}/kubepods/pod1/ctr$`, 'm'));
    expect(existsSync(`${pod}/ctr`)).toBe(false); // delete removed the container's own
    expect(existsSync(pod)).toBe(true); // and left the manager's, empty as it is
  });

  it('attack: a cgroupsPath that climbs with ".." is refused with one line, creating no cgroup', async () => {
    const top = suiteCgroupParent('oci-');
    for (const path of [`/${top}/../../x`, `${top}/../../../x`, '/']) {
      const result = await runToEnd((c) => (c.linux.cgroupsPath = path));
      expect(result.created).toBe(1);
      expect(result.err.trim().split('\n')).toEqual([expect.stringMatching(/is not a cgroup path/)]);
    }
    expect(existsSync('/sys/fs/cgroup/pids/x')).toBe(false);
    expect(existsSync(`/sys/fs/cgroup/pids/${top}`)).toBe(false);
  });

  it('linux.rootfsPropagation: shared makes a peer group of the container\'s own, unbindable refuses a bind of /', async () => {
    const shared = await runToEnd((c) => {
      c.process.args = ['sh', '-c', "awk '$5 == \"/\"' /proc/self/mountinfo"];
      c.linux.rootfsPropagation = 'shared';
    });
    expect(shared.created, shared.err).toBe(0);
    expect(shared.out).toMatch(/ shared:\d+/);
    const unbindable = await runToEnd((c) => {
      c.process.args = ['sh', '-c', 'mkdir -p /tmp/b && mount --bind / /tmp/b; echo "bind $?"'];
      c.process.noNewPrivileges = true;
      c.process.capabilities = { bounding: ['CAP_SYS_ADMIN'], effective: ['CAP_SYS_ADMIN'], permitted: ['CAP_SYS_ADMIN'] };
      c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
      c.linux.rootfsPropagation = 'unbindable';
    });
    expect(unbindable.created, unbindable.err).toBe(0);
    expect(unbindable.out).toMatch(/^bind [1-9]\d*\n$/);
    expect(unbindable.err).toMatch(/Invalid argument/);
  });

  it('attack: with an rshared root and shared mount options, nothing the container mounts reaches the host, even below a shared host mount', async () => {
    // The bundle sits on a shared mount of the host's: had the container's namespace kept that peer group (as a
    // runtime that makes "/" rshared from the start does), its mounts would show up here.
    const dir = tempDir('oci-');
    const hostMount = join(dir, 'b');
    mkdirSync(hostMount);
    const unmount = () => void spawnSync('umount', ['-l', hostMount]);
    expect(spawnSync('mount', ['--bind', hostMount, hostMount]).status).toBe(0);
    onTestFinished(unmount);
    expect(spawnSync('mount', ['--make-shared', hostMount]).status).toBe(0);
    const runc = skiffRunc(join(dir, 'state'));
    bundle(join(hostMount, 'bundle'), (c) => {
      c.process.args = ['sh', '-c', 'mount -t tmpfs tmpfs /tmp && mount -t tmpfs tmpfs /data && echo mounted && exec sleep 1000'];
      c.process.capabilities = { bounding: ['CAP_SYS_ADMIN'], effective: ['CAP_SYS_ADMIN'], permitted: ['CAP_SYS_ADMIN'] };
      c.mounts.push({ destination: '/data', type: 'bind', source: hostMount, options: ['rbind', 'rshared'] });
      c.linux.rootfsPropagation = 'rshared';
      c.linux.cgroupsPath = `/${suiteCgroupParent('oci-')}`;
    });
    // create's files (bundle, out, err, pid) in the shared mount too.
    const created = await create(runc, hostMount, 'p1');
    expect(created.exitCode, readFileSync(join(hostMount, 'err'), 'utf8')).toBe(0);
    expect((await runc.run(['start', 'p1'])).exitCode).toBe(0);
    expect(await pollUntil(() => readFileSync(join(hostMount, 'out'), 'utf8').includes('mounted'), 10_000)).toBe(true);
    // Only the host's own bind of b: nothing of the container's (its rootfs, /tmp, /data) is a mount here.
    expect(mountsUnder(dir)).toEqual([hostMount]);
    expect((await runc.run(['delete', '--force', 'p1'])).exitCode).toBe(0);
    unmount();
  });

  it('linux.devices: a fifo (type p), and device paths outside /dev refused', async () => {
    const fifo = await runToEnd((c) => {
      c.process.args = ['stat', '-c', '%F %a', '/dev/myfifo'];
      c.linux.devices = [{ path: '/dev/myfifo', type: 'p', major: 8, minor: 1, fileMode: 0o640 }];
    });
    expect(fifo.created, fifo.err).toBe(0);
    expect(fifo.out).toBe('fifo 640\n');
    for (const path of ['/etc/evil', '/dev/../etc/evil', 'dev/x']) {
      const refused = await runToEnd((c) => (c.linux.devices = [{ path, type: 'c', major: 1, minor: 3, fileMode: 0o666 }]));
      expect(refused.created).toBe(1);
      expect(refused.err.trim().split('\n')).toEqual([expect.stringMatching(/must be a clean path below \/dev\//)]);
    }
  });
});

describe.runIf(requiresRoot('skiff-runc runs real containers'))('skiff-runc: namespaces joined by path', () => {
  /** A process in new mount and uts namespaces (util-linux unshare), killed after the test. */
  async function unshared(): Promise<number> {
    const child = spawn('unshare', ['--mount', '--uts', '--fork', 'sleep', '1000'], { stdio: 'ignore', detached: true });
    onTestFinished(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    });
    // The forked sleep is the one inside the namespaces.
    let inner = 0;
    await pollUntil(() => {
      const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
      inner = Number(children.split(' ')[0]);
      return inner > 0 && readlinkSync(`/proc/${inner}/ns/mnt`) !== readlinkSync('/proc/self/ns/mnt');
    }, 10_000);
    return inner;
  }

  it("joins a mount namespace and a uts namespace by path: the container lives in them, its hostname set in the joined one", async () => {
    const pid = await unshared();
    const dir = tempDir('oci-');
    const runc: Runc = skiffRunc(join(dir, 'state'));
    bundle(join(dir, 'bundle'), (c) => {
      c.process.args = ['sh', '-c', 'exec sleep 1000'];
      c.linux.namespaces = c.linux.namespaces.map((ns: { type: string }) => (ns.type === 'mount' || ns.type === 'uts' ? { type: ns.type, path: `/proc/${pid}/ns/${ns.type === 'mount' ? 'mnt' : 'uts'}` } : ns));
      c.linux.cgroupsPath = `/${suiteCgroupParent('oci-')}`;
    });
    expect((await create(runc, dir, 'n1')).exitCode, readFileSync(join(dir, 'err'), 'utf8')).toBe(0);
    const init = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    expect(readlinkSync(`/proc/${init}/ns/mnt`)).toBe(readlinkSync(`/proc/${pid}/ns/mnt`));
    expect(readlinkSync(`/proc/${init}/ns/uts`)).toBe(readlinkSync(`/proc/${pid}/ns/uts`));
    expect(spawnSync('nsenter', ['-t', String(pid), '--uts', 'hostname'], { encoding: 'utf8' }).stdout.trim()).toBe('skiff-oci');
    expect(spawnSync('hostname', { encoding: 'utf8' }).stdout.trim()).not.toBe('skiff-oci');
    expect((await runc.run(['delete', '--force', 'n1'])).exitCode).toBe(0);
  });

  it("attack: the host's own mount namespace, or a file that is no namespace, is refused before any mount", async () => {
    const before = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').length;
    for (const path of [`/proc/${process.pid}/ns/mnt`, '/etc/passwd', `/proc/${process.pid}/ns/net`]) {
      const result = await runToEnd((c) => {
        c.linux.namespaces = c.linux.namespaces.map((ns: { type: string }) => (ns.type === 'mount' ? { type: 'mount', path } : ns));
      });
      expect(result.created, path).toBe(1);
      expect(result.err).toMatch(path.endsWith('/mnt') ? /is the host's mount namespace/ : /join namespace .*a namespace file of that type/);
    }
    // Nothing was mounted in the host's namespace, and its root is still the host's.
    expect(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').length).toBe(before);
    expect(readlinkSync('/proc/self/root')).toBe('/');
  });
});

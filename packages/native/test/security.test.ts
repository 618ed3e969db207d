// docker's default isolation, applied by the helper: capabilities, no_new_privs, the seccomp filter, masked
// and read-only paths, read-only root, the user, extra device nodes; in run and in exec mode.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import {
  CAPABILITIES,
  DEFAULT_CAPABILITIES,
  encodePlan,
  MountFlags,
  mountToSyscall,
  PLAN_RECORDS,
  type CapabilityName,
  type ExecPlan,
} from '../src/index.js';
import {
  createBusyboxRootfs,
  isDead,
  overlayPlan,
  runHelper,
  spawnHelper,
  startExec,
  startHelper,
  waitFor,
  waitForInit,
  type PlanOverrides,
} from './fixture.js';

const root = requiresRoot('the native helper creates namespaces and mounts');

/** /proc/PID/status capability sets are 16 hex digits. */
const capMask = (names: readonly CapabilityName[]) =>
  names.reduce((mask, name) => mask | (1n << BigInt(CAPABILITIES[name])), 0n).toString(16).padStart(16, '0');
const DEFAULT_MASK = capMask(DEFAULT_CAPABILITIES);
const NONE = '0'.repeat(16);

/** The Cap*, NoNewPrivs and Seccomp lines of a status file, as a map. */
function statusFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^(Cap\w+|NoNewPrivs|Seccomp):\s+(\S+)$/.exec(line);
    if (match) fields[match[1]!] = match[2]!;
  }
  return fields;
}

/** 'all' keeps what the helper holds: this process's permitted set (a VM's root may lack one or two). */
const FULL_MASK = root ? statusFields(readFileSync('/proc/self/status', 'utf8')).CapPrm : NONE;

const PRIVILEGED: PlanOverrides = { capabilities: 'all', seccomp: 'unconfined', maskedPaths: [], readonlyPaths: [] };

describe.skipIf(!root)('container security (docker defaults)', () => {
  let image: ReturnType<typeof createBusyboxRootfs>;
  beforeAll(() => {
    image = createBusyboxRootfs();
    mkdirSync(join(image.dir, 'mnt'));
    // A static probe for what busybox cannot do (TIOCSTI, clone flags, clone3, personality, i386 calls).
    const source = fileURLToPath(new URL('./probe/probe.c', import.meta.url));
    execFileSync('cc', ['-static', '-O2', '-o', join(image.dir, 'bin/probe'), source]);
  });
  afterAll(() => image?.remove());

  const run = (args: string[], overrides: PlanOverrides = {}) => runHelper(overlayPlan(image.dir, tempDir(), args, overrides));
  const sh = (script: string, overrides: PlanOverrides = {}) => run(['sh', '-c', script], overrides);

  it("keeps docker's 14 capabilities as root, none inheritable or ambient; seccomp on, no_new_privs off", async () => {
    const result = await run(['cat', '/proc/self/status']);
    expect(result.exitCode).toBe(0);
    expect(statusFields(result.stdout)).toEqual({
      CapInh: NONE,
      CapPrm: DEFAULT_MASK,
      CapEff: DEFAULT_MASK,
      CapBnd: DEFAULT_MASK,
      CapAmb: NONE,
      NoNewPrivs: '0',
      Seccomp: '2',
    });
    expect(DEFAULT_MASK).toBe('00000000a80425fb'); // what `docker run busybox grep Cap /proc/self/status` shows
  });

  it('cannot mount, unshare, load a module or write /proc/sysrq-trigger', async () => {
    const script = [
      'mount -t tmpfs none /mnt; echo "mount=$?"',
      'unshare -n true; echo "unshare=$?"',
      'echo not-a-module > /tmp/m.ko; insmod /tmp/m.ko; echo "insmod=$?"',
      'echo h > /proc/sysrq-trigger; echo "sysrq=$?"',
    ].join('; ');
    const result = await sh(script);
    expect(result.stdout).toBe('mount=1\nunshare=1\ninsmod=1\nsysrq=1\n');
    const errors = result.stderr.trim().split('\n');
    expect(errors[0]).toBe('mount: permission denied (are you root?)'); // busybox's words for EPERM
    expect(errors[1]).toMatch(/^unshare: .*Operation not permitted$/);
    expect(errors[2]).toMatch(/^insmod: .*Operation not permitted$/);
    // Kernels without CONFIG_MAGIC_SYSRQ (this VM's) have no such file; where it exists it is read-only.
    const why = existsSync('/proc/sysrq-trigger') ? 'Read-only file system' : 'nonexistent directory';
    expect(errors[3]).toBe(`sh: can't create /proc/sysrq-trigger: ${why}`);
  });

  it('hides /proc/kcore, /proc/keys, /proc/timer_list and /sys/firmware; /proc/sys, /proc/irq are read-only', async () => {
    const script = [
      'echo "kcore=$(cat /proc/kcore | wc -c)"',
      'echo "keys=$(cat /proc/keys | wc -c)"',
      'echo "timer_list=$(cat /proc/timer_list | wc -c)"',
      'echo "firmware=[$(ls -A /sys/firmware)]"',
      'touch /sys/firmware/x 2>/dev/null; echo "firmware-write=$?"',
      'grep -E " /proc/(sys|irq|bus|fs) " /proc/self/mountinfo',
    ].join('; ');
    const result = await sh(script);
    const lines = result.stdout.trim().split('\n');
    expect(lines.slice(0, 5)).toEqual(['kcore=0', 'keys=0', 'timer_list=0', 'firmware=[]', 'firmware-write=1']);
    const readonly = lines.slice(5).map((line) => line.split(' ').slice(4, 6));
    expect(readonly.map(([point]) => point).sort()).toEqual(
      ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys'].filter((path) => existsSync(path)).sort(),
    );
    // Read-only, and still nosuid,nodev,noexec like the /proc they come from.
    for (const [, options] of readonly) expect(options).toMatch(/^ro,nosuid,nodev,noexec/);
  });

  it('masks and read-only paths of the plan: files and directories, through a symlink, missing ones skipped', async () => {
    const scratch = tempDir();
    const script = [
      'echo "passwd=$(cat /etc/passwd | wc -c)"',
      'echo "root=[$(ls -A /root)]"',
      'echo x >> /etc/group; echo "group=$?"',
      'echo "group-lines=$(cat /etc/group | wc -l)"',
      'touch /tmp/ro/x; echo "dir=$?"',
      'touch /tmp/rw; echo "tmp=$?"',
    ].join('; ');
    const plan = overlayPlan(image.dir, scratch, ['sh', '-c', `mkdir -p /tmp/ro && ${script}`], {
      maskedPaths: ['/etc/passwd', '/root', '/nonexistent/file'],
      readonlyPaths: ['/etc/group', '/ro-link', '/nonexistent'],
    });
    // /ro-link -> /tmp/ro: made before the helper runs, so the read-only bind lands on the directory it names.
    mkdirSync(join(scratch, 'upper/tmp/ro'), { recursive: true });
    symlinkSync('/tmp/ro', join(scratch, 'upper/ro-link'));
    const result = await runHelper(plan);
    expect(result.stdout).toBe('passwd=0\nroot=[]\ngroup=1\ngroup-lines=3\ndir=1\ntmp=0\n');
    expect(result.stderr).toMatch(/group: Read-only file system/);
  });

  it('seccomp default: TIOCSTI/TIOCLINUX, AF_VSOCK, namespace clone and personality are EPERM, clone3 ENOSYS; the rest works', async () => {
    const calls = ['mount', 'tiocsti', 'tioclinux', 'tiocsti-high-bits', 'tiocgwinsz', 'clone', 'clone-newns', 'clone-newuser', 'clone3'];
    const more = ['personality-query', 'personality-norandom', 'keyctl', 'x32', 'unix-socket', 'vsock', 'vsock-high-bits'];
    const lines = (text: string) => text.trim().split('\n');
    // Every capability but CAP_SYS_ADMIN (which lifts docker's namespace rules): what fails is the filter's doing.
    const allButAdmin = (Object.keys(CAPABILITIES) as CapabilityName[]).filter((name) => name !== 'CAP_SYS_ADMIN');
    const filtered = await run(['probe', ...calls, ...more], { capabilities: allButAdmin });
    expect(lines(filtered.stdout)).toEqual([
      'mount EPERM', 'tiocsti EPERM', 'tioclinux EPERM', 'tiocsti-high-bits EPERM', 'tiocgwinsz ENOTTY', 'clone ok', 'clone-newns EPERM',
      'clone-newuser EPERM', 'clone3 ENOSYS', 'personality-query ok', 'personality-norandom EPERM', 'keyctl EPERM', 'x32 ENOSYS',
      'unix-socket ok', 'vsock EPERM', 'vsock-high-bits EPERM',
    ]);
    // docker's CAP_SYS_ADMIN additions: mount, namespaces, clone3. keyctl and TIOCSTI stay refused.
    const admin = await run(['probe', ...calls, ...more], { capabilities: 'all' });
    expect(lines(admin.stdout)).toEqual([
      'mount ok', 'tiocsti EPERM', 'tioclinux EPERM', 'tiocsti-high-bits EPERM', 'tiocgwinsz ENOTTY', 'clone ok', 'clone-newns ok',
      'clone-newuser ok', 'clone3 ok', 'personality-query ok', 'personality-norandom EPERM', 'keyctl EPERM', 'x32 ENOSYS',
      'unix-socket ok', 'vsock EPERM', 'vsock-high-bits EPERM',
    ]);
    const unconfined = await run(['probe', ...calls, ...more], { capabilities: 'all', seccomp: 'unconfined' });
    // AF_VSOCK unfiltered: whatever this kernel says (a socket, or EAFNOSUPPORT without vsock), never EPERM.
    const vsock = expect.not.stringMatching(/ EPERM$/);
    expect(lines(unconfined.stdout)).toEqual([
      'mount ok', 'tiocsti ENOTTY', 'tioclinux ENOTTY', 'tiocsti-high-bits ENOTTY', 'tiocgwinsz ENOTTY', 'clone ok', 'clone-newns ok',
      'clone-newuser ok', 'clone3 ok', 'personality-query ok', 'personality-norandom ok', 'keyctl ok', 'x32 ENOSYS',
      'unix-socket ok', vsock, vsock,
    ]);
  });

  // Attack test (issue 11, escape 7): the filter was a deny list, so every call newer than the list reached the kernel.
  it('seccomp default is an allow list: calls it does not name get EPERM, calls newer than it ENOSYS (run, exec, --init)', async () => {
    const older = ['modify_ldt', 'landlock_create_ruleset', 'memfd_secret', 'process_mrelease'];
    const newer = ['statmount', 'listmount', 'lsm_list_modules', 'open_tree_attr', 'file_getattr', 'nr1000'];
    const expected = [...older.map((name) => `${name} EPERM`), ...newer.map((name) => `${name} ENOSYS`)];
    const probe = ['probe', ...older, ...newer];
    expect((await run(probe, { capabilities: 'all' })).stdout.trim().split('\n')).toEqual(expected);
    expect((await run(probe, { init: true })).stdout.trim().split('\n')).toEqual(expected);
    const helper = startHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', 'echo ready; exec sleep 30']), { reportPid: true });
    await waitFor(() => helper.stdout().includes('ready'), 'the container to be ready');
    const exec = await startExec({ target: (await helper.pid)!, args: probe, env: ['PATH=/bin'], cwd: '/', tty: false, stdin: false, cgroupProcs: [] }).done;
    expect(exec.stdout.trim().split('\n')).toEqual(expected);
    // Unconfined, the kernel answers them itself: never EPERM, and ENOSYS only for what this kernel lacks.
    const unconfined = (await run(probe, { capabilities: 'all', seccomp: 'unconfined' })).stdout.trim().split('\n');
    expect(unconfined.filter((line) => line.endsWith(' EPERM'))).toEqual([]);
  });

  it('seccomp default kills a process that makes an i386 system call (int 0x80)', async (context) => {
    const unconfined = await run(['probe', 'int80'], { seccomp: 'unconfined' });
    if (unconfined.stdout !== 'int80 ok\n') {
      console.warn(`skipped: this kernel does not run i386 system calls at all (probe exit ${unconfined.exitCode}); nothing to filter`);
      context.skip();
    }
    const filtered = await run(['probe', 'int80']);
    expect(filtered).toMatchObject({ exitCode: 128 + 31, stdout: '' }); // SIGSYS
  });

  it('no_new_privs 1 shows in the status', async () => {
    const result = await run(['grep', '-E', '^(NoNewPrivs|Seccomp):', '/proc/self/status'], { noNewPrivileges: true });
    expect(result.stdout).toBe('NoNewPrivs:\t1\nSeccomp:\t2\n');
  });

  it('without a capability root cannot use it: no CAP_CHOWN, no chown; no CAP_MKNOD, no mknod', async () => {
    const script = 'touch /tmp/f; chown 1 /tmp/f; echo "chown=$?"; mknod /tmp/sda b 8 0; echo "mknod=$?"; grep CapEff /proc/self/status';
    const none = await sh(script, { capabilities: [] });
    expect(none.stdout).toBe(`chown=1\nmknod=1\nCapEff:\t${NONE}\n`);
    // docker's set has both: mknod of a block device works (opening it is for the devices cgroup to refuse).
    const defaults = await sh(script);
    expect(defaults.stdout).toBe(`chown=0\nmknod=0\nCapEff:\t${DEFAULT_MASK}\n`);
  });

  it('runs as the plan user with no capability in effect, and the bounding set as planned', async () => {
    const script = 'id -u; id -g; id -G; grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status';
    const result = await sh(script, { user: { uid: 65534, gid: 65534, groups: [5] } });
    expect(result).toMatchObject({
      exitCode: 0,
      stdout: `65534\n65534\n65534 5\nCapPrm:\t${NONE}\nCapEff:\t${NONE}\nCapBnd:\t${DEFAULT_MASK}\n`,
    });
  });

  it('regression: a container with a non-root user still dies with its helper (setuid clears PR_SET_PDEATHSIG)', async () => {
    const helper = startHelper(overlayPlan(image.dir, tempDir(), ['sleep', '30'], { user: { uid: 65534, gid: 65534 } }));
    const init = await waitForInit(helper.child.pid!, 'sleep');
    helper.child.kill('SIGKILL');
    await helper.done;
    await waitFor(() => isDead(init), 'the container init to die with its helper');
  });

  it('--init: the init holds no more than the command (same capabilities, seccomp on)', async () => {
    const result = await sh('grep -E "^(CapEff|Seccomp):" /proc/1/status /proc/self/status', { init: true });
    expect(result.stdout).toBe(
      `/proc/1/status:CapEff:\t${DEFAULT_MASK}\n/proc/1/status:Seccomp:\t2\n/proc/self/status:CapEff:\t${DEFAULT_MASK}\n/proc/self/status:Seccomp:\t2\n`,
    );
  });

  it('read-only root: / refuses writes; the plan tmpfs, volumes, /dev/shm and a new working directory work', async () => {
    const volume = tempDir();
    const tmpfs = { source: 'tmpfs', target: '/tmp', fstype: 'tmpfs', flags: MountFlags.MS_NOSUID | MountFlags.MS_NODEV, data: 'mode=1777' };
    const mounts = [tmpfs, mountToSyscall({ type: 'bind', source: volume, target: '/data', options: [] })];
    const script = [
      'touch /etc/x; echo "root=$?"',
      'touch /tmp/x && echo tmp=ok',
      'echo kept > /data/f && echo volume=ok',
      'touch /dev/shm/x && echo shm=ok',
      'pwd',
    ].join('; ');
    const result = await sh(script, { readonlyRoot: true, mounts, cwd: '/work/dir' });
    expect(result.stdout).toBe('root=1\ntmp=ok\nvolume=ok\nshm=ok\n/work/dir\n');
    expect(result.stderr).toMatch(/Read-only file system/);
    expect(readFileSync(join(volume, 'f'), 'utf8')).toBe('kept\n');
  });

  it('creates the plan devices with their mode, replacing an entry of that name', async () => {
    const devices = [
      { path: '/dev/xnull', type: 'c' as const, major: 1, minor: 3, mode: 0o620 },
      { path: '/dev/tty', type: 'c' as const, major: 1, minor: 5, mode: 0o600 },
      { path: '/dev/sub/blk', type: 'b' as const, major: 7, minor: 0, mode: 0o660 },
    ];
    const script = 'stat -c "%n %F %a %t:%T" /dev/xnull /dev/tty /dev/sub/blk; echo hi > /dev/xnull && echo written';
    const result = await sh(script, { devices });
    expect(result.stdout).toBe(
      '/dev/xnull character special file 620 1:3\n/dev/tty character special file 600 1:5\n/dev/sub/blk block special file 660 7:0\nwritten\n',
    );
  });

  it('privileged (every capability, no filter, no mask): mount works and /proc/kcore is the real one', async () => {
    const script = 'mount -t tmpfs none /mnt && echo mounted; grep -E "^(CapEff|Seccomp):" /proc/self/status; test -s /proc/kcore && echo kcore';
    const result = await sh(script, PRIVILEGED);
    expect(result.stdout).toBe(`mounted\nCapEff:\t${FULL_MASK}\nSeccomp:\t0\n${existsSync('/proc/kcore') ? 'kcore\n' : ''}`);
  });

  it('reads a plan without security records as the strictest: no capability, the filter on, root with no groups', async () => {
    const script = ['grep', '-E', '^(Uid|Gid|Groups|CapEff|CapBnd|NoNewPrivs|Seccomp):', '/proc/self/status'];
    const encoded = encodePlan(overlayPlan(image.dir, tempDir(), script, { maskedPaths: [], readonlyPaths: [] }));
    const fields = encoded.toString('utf8').split('\0').slice(0, -1);
    const kept: string[] = [];
    for (let i = 0; i < fields.length; ) {
      const keyword = fields[i]! as keyof typeof PLAN_RECORDS;
      const record = fields.slice(i, i + 1 + PLAN_RECORDS[keyword]);
      if (!['cap', 'allcaps', 'nonewprivs', 'seccomp'].includes(keyword)) kept.push(...record);
      i += record.length;
    }
    const result = await spawnHelper('run', Buffer.from(kept.map((field) => `${field}\0`).join(''))).done;
    const lines = result.stdout.trim().split('\n').map((line) => line.split(/\s+/).filter(Boolean).join(' '));
    expect(lines).toEqual(['Uid: 0 0 0 0', 'Gid: 0 0 0 0', 'Groups:', `CapEff: ${NONE}`, `CapBnd: ${NONE}`, 'NoNewPrivs: 0', 'Seccomp: 2']);
  });

  it('rejects an unknown seccomp mode or syscall action in the plan with 125', async () => {
    const encoded = encodePlan(overlayPlan(image.dir, tempDir(), ['true'])).toString('utf8');
    const withMode = encoded.replace('seccomp\0filter\0', 'seccomp\0strict\0');
    const mode = await spawnHelper('run', Buffer.from(withMode)).done;
    expect(mode).toMatchObject({ exitCode: 125, stderr: 'skiff: plan: unknown seccomp mode "strict" (filter or unconfined)\n' });
    const withAction = encoded.replace('syscall\0read\0allow\0', 'syscall\0read\0errno:99999\0');
    const action = await spawnHelper('run', Buffer.from(withAction)).done;
    expect(action).toMatchObject({ exitCode: 125, stderr: 'skiff: plan: unknown syscall action "errno:99999" (allow, EPERM, ENOSYS, errno:N, kill, killthread, trap, log, trace:N)\n' });
  });

  describe('exec', () => {
    /** A running container; returns the init's host pid. */
    async function container(overrides: PlanOverrides = {}): Promise<number> {
      const helper = startHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', 'echo ready; exec sleep 30'], overrides), { reportPid: true });
      await waitFor(() => helper.stdout().includes('ready'), 'the container to be ready');
      return (await helper.pid)!;
    }
    const exec = (target: number, args: string[], overrides: Partial<ExecPlan> = {}) =>
      startExec({ target, args, env: ['PATH=/bin'], cwd: '/', tty: false, stdin: false, cgroupProcs: [], ...overrides }).done;

    it("gets the container's restrictions: capabilities, seccomp, no mount", async () => {
      const init = await container();
      const result = await exec(init, ['sh', '-c', 'grep -E "^(CapEff|CapBnd|Seccomp):" /proc/self/status; mount -t tmpfs none /mnt; echo "mount=$?"']);
      expect(result.stdout).toBe(`CapEff:\t${DEFAULT_MASK}\nCapBnd:\t${DEFAULT_MASK}\nSeccomp:\t2\nmount=1\n`);
      expect(result.stderr).toBe('mount: permission denied (are you root?)\n');
      expect((await exec(init, ['probe', 'mount', 'tiocsti'])).stdout).toBe('mount EPERM\ntiocsti EPERM\n');
    });

    it('as a non-root user: no capability in effect, no supplementary group but the planned ones', async () => {
      const init = await container();
      const result = await exec(init, ['sh', '-c', 'id -G; grep -E "^CapEff:" /proc/self/status'], {
        user: { uid: 65534, gid: 65534, groups: [5] },
        noNewPrivileges: true,
      });
      expect(result.stdout).toBe(`65534 5\nCapEff:\t${NONE}\n`);
    });

    it('in a privileged container, with its privileged set: mount works', async () => {
      const init = await container(PRIVILEGED);
      const result = await exec(init, ['sh', '-c', 'mount -t tmpfs none /mnt && echo mounted'], { capabilities: 'all', seccomp: 'unconfined' });
      expect(result).toMatchObject({ exitCode: 0, stdout: 'mounted\n' });
    });
  });
});

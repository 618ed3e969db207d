// skiff-runc's bundle and state contract, driven directly as containerd's shim and conmon drive runc.
import { chmodSync, existsSync, mkdirSync, openSync, statSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pollUntil } from '@skiff/plugin';
import { requiresRoot, suiteCgroupParent, tempDir } from '../../../test/support.js';
import { bundle, create, readJson, runcPath, skiffRunc, status } from './oci-fixture.js';

const readJsonText = (text: unknown) => JSON.parse(String(text));
/** The last line of the JSON --log (runc spec's config also earns a warning line: its ambient set is not raised). */
const lastLogLine = (dir: string) => JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8').trim().split('\n').pop()!);
const cgroupsPath = () => `/${suiteCgroupParent('oci-')}`;

describe.runIf(requiresRoot('skiff-runc runs real containers'))('skiff-runc: the bundle and state contract', () => {
  it('create → created → start → running → kill → stopped → delete, with the pid file and runc state JSON', async () => {
    const dir = tempDir('oci-');
    const runc = skiffRunc(join(dir, 'state'));
    bundle(join(dir, 'bundle'), (c) => {
      c.process.args = ['sh', '-c', 'echo started; echo "$(hostname) $(cat /proc/self/status | grep NoNewPrivs)"; exec sleep 1000'];
      c.linux.cgroupsPath = cgroupsPath();
      c.annotations = { 'org.example.a': 'b' };
    });
    const created = await create(runc, dir, 'c1');
    expect(created.exitCode, readFileSync(join(dir, 'err'), 'utf8')).toBe(0);
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    const state = readJsonText((await runc.run(['state', 'c1'])).stdout);
    expect(state).toMatchObject({ id: 'c1', pid, status: 'created', bundle: join(dir, 'bundle'), rootfs: join(dir, 'bundle/rootfs'), annotations: { 'org.example.a': 'b' } });
    // Nothing of the user's command has run yet.
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('');
    expect((await runc.run(['start', 'c1'])).exitCode).toBe(0);
    expect(await status(runc, 'c1')).toBe('running');
    expect(await pollUntil(() => readFileSync(join(dir, 'out'), 'utf8').includes('NoNewPrivs'), 5000)).toBe(true);
    expect(readFileSync(join(dir, 'out'), 'utf8')).toMatch(/^started\nskiff-oci NoNewPrivs:\t1\n$/);
    // A second start is refused: the init no longer waits.
    const again = await runc.run(['start', 'c1']);
    expect(again.exitCode).toBe(1);
    expect(String(again.stderr)).toMatch(/cannot start a container that is running/);
    expect((await runc.run(['delete', 'c1'])).exitCode).toBe(1);
    expect((await runc.run(['kill', 'c1', 'KILL'])).exitCode).toBe(0);
    expect(await pollUntil(async () => (await status(runc, 'c1')) === 'stopped', 5000)).toBe(true);
    expect(readJsonText((await runc.run(['state', 'c1'])).stdout).pid).toBe(0);
    expect((await runc.run(['delete', 'c1'])).exitCode).toBe(0);
    const gone = await runc.run(['state', 'c1']);
    expect(gone.exitCode).toBe(1);
    expect(String(gone.stderr)).toMatch(/container does not exist: c1/);
  });

  it('kill takes numbers, names and SIG names; list, ps --format json, pause and resume', async () => {
    const dir = tempDir('oci-');
    const runc = skiffRunc(join(dir, 'state'));
    bundle(join(dir, 'bundle'), (c) => {
      c.process.args = ['sh', '-c', 'trap "echo got-usr1" USR1; trap "echo got-hup" HUP; while true; do sleep 0.1; done'];
      c.linux.cgroupsPath = cgroupsPath();
    });
    expect((await create(runc, dir, 'k1')).exitCode).toBe(0);
    expect((await runc.run(['start', 'k1'])).exitCode).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await runc.run(['kill', 'k1', 'SIGUSR1'])).exitCode).toBe(0);
    expect((await runc.run(['kill', 'k1', '1'])).exitCode).toBe(0);
    expect(await pollUntil(() => /got-usr1\n(.|\n)*got-hup/.test(readFileSync(join(dir, 'out'), 'utf8')), 5000)).toBe(true);
    const bad = await runc.run(['kill', 'k1', 'NOPE']);
    expect(bad.exitCode).toBe(1);
    expect(String(bad.stderr)).toMatch(/invalid signal/);
    const listed = readJsonText((await runc.run(['list', '--format', 'json'])).stdout);
    expect(listed).toEqual([expect.objectContaining({ id: 'k1', status: 'running' })]);
    const pids = readJsonText((await runc.run(['ps', '--format', 'json', 'k1'])).stdout);
    expect(pids).toContain(Number(readFileSync(join(dir, 'pid'), 'utf8')));
    // update: new limits from linux.resources JSON on stdin, as containerd's shim sends them.
    const updated = await runc.run(['update', '--resources', '-', 'k1'], { input: JSON.stringify({ pids: { limit: 77 } }) });
    expect(updated.exitCode, String(updated.stderr)).toBe(0);
    expect(String((await runc.run(['exec', 'k1', 'cat', '/sys/fs/cgroup/pids/pids.max'])).stdout)).toBe('77');
    expect((await runc.run(['pause', 'k1'])).exitCode).toBe(0);
    expect(await status(runc, 'k1')).toBe('paused');
    expect((await runc.run(['resume', 'k1'])).exitCode).toBe(0);
    expect(await status(runc, 'k1')).toBe('running');
    expect((await runc.run(['kill', '--all', 'k1', 'KILL'])).exitCode).toBe(0);
    expect(await pollUntil(async () => (await status(runc, 'k1')) === 'stopped', 5000)).toBe(true);
    expect((await runc.run(['delete', 'k1'])).exitCode).toBe(0);
  });

  it('exec: the argv form and --process, --detach with --pid-file, exit codes', async () => {
    const dir = tempDir('oci-');
    const runc = skiffRunc(join(dir, 'state'));
    bundle(join(dir, 'bundle'), (c) => {
      c.process.args = ['sleep', '1000'];
      c.linux.cgroupsPath = cgroupsPath();
    });
    expect((await create(runc, dir, 'e1')).exitCode).toBe(0);
    expect((await runc.run(['start', 'e1'])).exitCode).toBe(0);
    const argv = await runc.run(['exec', 'e1', 'sh', '-c', 'echo in $(hostname); exit 3']);
    expect(argv.exitCode).toBe(3);
    expect(String(argv.stdout)).toBe('in skiff-oci');
    const process = join(dir, 'process.json');
    writeFileSync(process, JSON.stringify({ args: ['sh', '-c', 'id -u; pwd'], cwd: '/tmp', env: ['PATH=/bin'], user: { uid: 65534, gid: 65534 } }));
    const viaFile = await runc.run(['exec', '--process', process, 'e1']);
    expect(viaFile.exitCode).toBe(0);
    expect(String(viaFile.stdout)).toBe('65534\n/tmp');
    writeFileSync(process, JSON.stringify({ args: ['sleep', '1000'], cwd: '/', env: ['PATH=/bin'] }));
    const detached = await execa('node', [runcPath, '--root', runc.root, 'exec', '--detach', '--pid-file', join(dir, 'exec.pid'), '--process', process, 'e1'], { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore', timeout: 30_000 });
    expect(detached.exitCode).toBe(0);
    const execPid = Number(readFileSync(join(dir, 'exec.pid'), 'utf8'));
    expect(readJsonText((await runc.run(['ps', '--format', 'json', 'e1'])).stdout)).toContain(execPid);
    const missing = await runc.run(['exec', 'e1', 'no-such-command']);
    expect(missing.exitCode).toBe(127);
    expect((await runc.run(['delete', '--force', 'e1'])).exitCode).toBe(0);
    expect(existsSync(join(runc.root, 'e1'))).toBe(false);
  });

  it('--console-socket: the pty master arrives over the socket, and the container has a terminal', async () => {
    const dir = tempDir('oci-');
    const runc = skiffRunc(join(dir, 'state'));
    bundle(join(dir, 'bundle'), (c) => {
      c.process.terminal = true;
      c.process.args = ['sh', '-c', 'tty; sleep 1000'];
      c.linux.cgroupsPath = cgroupsPath();
    });
    const socketPath = join(dir, 'console.sock');
    const received = await receiveFd(socketPath);
    const created = await create(runc, dir, 't1', ['--console-socket', socketPath]);
    expect(created.exitCode, readFileSync(join(dir, 'err'), 'utf8')).toBe(0);
    const master = await received.master;
    expect((await runc.run(['start', 't1'])).exitCode).toBe(0);
    expect(await pollUntil(() => master.output().includes('/dev/pts/0'), 5000)).toBe(true);
    master.close();
    expect((await runc.run(['delete', '--force', 't1'])).exitCode).toBe(0);
  });
});

describe.runIf(requiresRoot('skiff-runc runs real containers'))('skiff-runc: what config.json asks for', () => {
  it('process (user, groups, umask, rlimits, oomScoreAdj, cwd, env), sysctl, domainname, read-only root, masks, limits', async () => {
    const dir = tempDir('oci-');
    const runc = skiffRunc(join(dir, 'state'));
    bundle(join(dir, 'bundle'), (c) => {
      c.process.args = ['sh', '-c', [
        'echo "user $(id -u):$(id -g) groups $(id -G)"',
        'echo "umask $(umask)"',
        'echo "nofile $(ulimit -n)"',
        'echo "oom $(cat /proc/self/oom_score_adj)"',
        'echo "cwd $(pwd) env $FOO"',
        'echo "shmmax $(cat /proc/sys/kernel/shmmax)"',
        'echo "domain $(cat /proc/sys/kernel/domainname)"',
        'touch /x 2>/dev/null && echo "root rw" || echo "root ro"',
        'echo "keys $(wc -c < /proc/keys)"',
        'echo "memory $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"',
        'echo "pids $(cat /sys/fs/cgroup/pids/pids.max)"',
      ].join('; ')];
      c.process.user = { uid: 1000, gid: 1000, additionalGids: [20, 30], umask: 0o027 };
      c.process.capabilities = { bounding: ['CAP_KILL'] };
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }];
      c.process.oomScoreAdj = 123;
      c.process.cwd = '/tmp';
      c.process.env.push('FOO=bar baz');
      c.domainname = 'example.org';
      c.linux.sysctl = { 'kernel.shmmax': '12345678' };
      c.linux.resources = { ...c.linux.resources, memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 42 } };
      c.linux.cgroupsPath = cgroupsPath();
    });
    expect((await create(runc, dir, 'f1')).exitCode, readFileSync(join(dir, 'err'), 'utf8')).toBe(0);
    expect((await runc.run(['start', 'f1'])).exitCode).toBe(0);
    expect(await pollUntil(async () => (await status(runc, 'f1')) === 'stopped', 10_000)).toBe(true);
    expect(readFileSync(join(dir, 'err'), 'utf8')).toBe('');
    expect(readFileSync(join(dir, 'out'), 'utf8').split('\n')).toEqual([
      'user 1000:1000 groups 1000 20 30',
      'umask 0027',
      'nofile 321',
      'oom 123',
      'cwd /tmp env bar baz',
      'shmmax 12345678',
      'domain example.org',
      'root ro',
      'keys 0',
      `memory ${64 * 1024 * 1024}`,
      'pids 42',
      '',
    ]);
    expect((await runc.run(['delete', 'f1'])).exitCode).toBe(0);
  });

  it('a user namespace with uid/gid maps: root inside is an unprivileged id outside', async () => {
    const dir = tempDir('oci-');
    chmodSync(dir, 0o755); // the container's root (host uid 100000) walks to its rootfs
    const runc = skiffRunc(join(dir, 'state'));
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    bundle(join(dir, 'bundle'), (c) => {
      c.process.args = ['sh', '-c', 'id -u; cat /proc/self/uid_map; touch /shared/made; cat /dev/null && echo devnull-ok; exec sleep 1000'];
      c.root.readonly = false;
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind'] });
      c.linux.cgroupsPath = cgroupsPath();
    });
    spawnSync('chown', ['-R', '-h', '100000:100000', join(dir, 'bundle/rootfs'), shared]);
    const created = await create(runc, dir, 'u1');
    expect(created.exitCode, readFileSync(join(dir, 'err'), 'utf8')).toBe(0);
    expect((await runc.run(['start', 'u1'])).exitCode).toBe(0);
    expect(await pollUntil(() => readFileSync(join(dir, 'out'), 'utf8').includes('devnull-ok'), 10_000)).toBe(true);
    const exec = await runc.run(['exec', 'u1', 'sh', '-c', 'id -u; cat /proc/self/uid_map']);
    expect(exec.exitCode, String(exec.stderr)).toBe(0);
    expect(String(exec.stdout).split('\n').map((line) => line.trim().replace(/\s+/g, ' '))).toEqual(['0', '0 100000 65536']);
    expect((await runc.run(['kill', 'u1', 'KILL'])).exitCode).toBe(0);
    expect(await pollUntil(async () => (await status(runc, 'u1')) === 'stopped', 10_000)).toBe(true);
    expect(readFileSync(join(dir, 'err'), 'utf8')).toBe('');
    expect(readFileSync(join(dir, 'out'), 'utf8').trim().split('\n').map((line) => line.trim().replace(/\s+/g, ' '))).toEqual(['0', '0 100000 65536', 'devnull-ok']);
    expect(statSync(join(shared, 'made')).uid).toBe(100000);
    expect((await runc.run(['delete', 'u1'])).exitCode).toBe(0);
  });

  it('hooks: prestart and createRuntime at create, poststart after start, poststop at delete, each with the state on stdin', async () => {
    const dir = tempDir('oci-');
    const runc = skiffRunc(join(dir, 'state'));
    const hook = (stage: string) => ({ path: '/bin/sh', args: ['sh', '-c', `cat > ${join(dir, stage)}.json; echo "$HOOK_ENV" > ${join(dir, stage)}.env`], env: [`HOOK_ENV=${stage}-env`] });
    bundle(join(dir, 'bundle'), (c) => {
      c.process.args = ['sleep', '1000'];
      c.hooks = { prestart: [hook('prestart')], createRuntime: [hook('createRuntime')], poststart: [hook('poststart')], poststop: [hook('poststop')] };
      c.linux.cgroupsPath = cgroupsPath();
    });
    expect((await create(runc, dir, 'h1')).exitCode, readFileSync(join(dir, 'err'), 'utf8')).toBe(0);
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    for (const stage of ['prestart', 'createRuntime']) {
      expect(readJson(join(dir, `${stage}.json`))).toMatchObject({ id: 'h1', pid, status: 'created', bundle: join(dir, 'bundle') });
      expect(readFileSync(join(dir, `${stage}.env`), 'utf8')).toBe(`${stage}-env\n`);
    }
    expect(existsSync(join(dir, 'poststart.json'))).toBe(false);
    expect((await runc.run(['start', 'h1'])).exitCode).toBe(0);
    expect(readJson(join(dir, 'poststart.json'))).toMatchObject({ id: 'h1', pid, status: 'running' });
    expect((await runc.run(['delete', '--force', 'h1'])).exitCode).toBe(0);
    expect(readJson(join(dir, 'poststop.json'))).toMatchObject({ id: 'h1', status: 'stopped' });
  });

  it('a failing createRuntime hook fails the create and leaves nothing', async () => {
    const dir = tempDir('oci-');
    const runc = skiffRunc(join(dir, 'state'));
    bundle(join(dir, 'bundle'), (c) => {
      c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'echo nope >&2; exit 3'] }] };
      c.linux.cgroupsPath = cgroupsPath();
    });
    const result = await create(runc, dir, 'h2');
    expect(result.exitCode).toBe(1);
    expect(readFileSync(join(dir, 'err'), 'utf8')).toMatch(/createRuntime hook \/bin\/sh failed \(exit 3\): nope/);
    expect(existsSync(join(runc.root, 'h2'))).toBe(false);
  });
});

/** A console socket as containerd's shim makes one: receives one fd (SCM_RIGHTS) and reads the pty from it. */
function receiveFd(path: string): Promise<{ master: Promise<{ output(): string; close(): void }> }> {
  // Node cannot receive SCM_RIGHTS itself: a tiny Python receiver reads the master and copies it to a file.
  const out = `${path}.out`;
  writeFileSync(out, '');
  const script = `
import socket, array, os, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
msg, anc, flags, addr = c.recvmsg(1, socket.CMSG_LEN(4))
fd = array.array("i", anc[0][2][:4])[0]
print("fd", flush=True)
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        try: data = os.read(fd, 4096)
        except OSError: break
        if not data: break
        f.write(data)
`;
  const child = execa('python3', ['-c', script, path, out], { reject: false });
  onTestFinished(() => void child.kill('SIGKILL'));
  let seen = '';
  const saw = (word: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => seen.includes(word) && resolve();
      child.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        check();
      });
      void child.then(() => reject(new Error(`the console socket receiver exited before "${word}"`)));
    });
  const ready = saw('ready');
  const master = saw('fd').then(() => ({ output: () => readFileSync(out, 'utf8'), close: () => void child.kill('SIGKILL') }));
  master.catch(() => {});
  return ready.then(() => ({ master }));
}

describe.runIf(requiresRoot('skiff-runc runs real containers'))('skiff-runc: bad input and attacks', () => {
  it('a mount destination that is a symlink pointing out of the rootfs lands inside it', async () => {
    const dir = tempDir('oci-');
    const runc = skiffRunc(join(dir, 'state'));
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    bundle(join(dir, 'bundle'), (c) => {
      c.process.args = ['sh', '-c', 'echo x > /escape/marker'];
      c.root.readonly = false;
      c.mounts.push({ destination: '/escape', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
      c.linux.cgroupsPath = cgroupsPath();
    });
    // /escape in the image is a link to the host directory (absolute) — it must resolve inside the rootfs.
    symlinkSync(outside, join(dir, 'bundle/rootfs/escape'));
    expect((await create(runc, dir, 'a1')).exitCode, readFileSync(join(dir, 'err'), 'utf8')).toBe(0);
    expect((await runc.run(['start', 'a1'])).exitCode).toBe(0);
    expect(await pollUntil(async () => (await status(runc, 'a1')) === 'stopped', 5000)).toBe(true);
    expect(existsSync(join(outside, 'marker'))).toBe(false);
    expect((await runc.run(['delete', 'a1'])).exitCode).toBe(0);
  });

  it('a bundle whose rootfs and bind source are symlinks: resolved on the host once, then mounted by fd', async () => {
    const dir = tempDir('oci-');
    const runc = skiffRunc(join(dir, 'state'));
    const real = join(dir, 'real-rootfs');
    bundle(join(dir, 'bundle'), (c) => {
      c.root.path = join(dir, 'rootfs-link');
      c.process.args = ['cat', '/data/file'];
      c.mounts.push({ destination: '/data', type: 'bind', source: join(dir, 'data-link'), options: ['rbind', 'ro'] });
      c.linux.cgroupsPath = cgroupsPath();
    });
    rmSync(real, { recursive: true, force: true });
    // The bundle's rootfs moved to real-rootfs; rootfs-link points at it. data-link → data.
    renameSync(join(dir, 'bundle/rootfs'), real);
    symlinkSync(real, join(dir, 'rootfs-link'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data/file'), 'bound\n');
    symlinkSync(join(dir, 'data'), join(dir, 'data-link'));
    expect((await create(runc, dir, 'a2')).exitCode, readFileSync(join(dir, 'err'), 'utf8')).toBe(0);
    expect(readJsonText((await runc.run(['state', 'a2'])).stdout).rootfs).toBe(real);
    expect((await runc.run(['start', 'a2'])).exitCode).toBe(0);
    expect(await pollUntil(() => readFileSync(join(dir, 'out'), 'utf8') === 'bound\n', 5000)).toBe(true);
    expect(await pollUntil(async () => (await status(runc, 'a2')) === 'stopped', 5000)).toBe(true);
    expect((await runc.run(['delete', 'a2'])).exitCode).toBe(0);
  });

  it('a malformed, oversized or unsupported config.json is refused with one line, in the JSON log too, leaving nothing', async () => {
    const dir = tempDir('oci-');
    const runc = skiffRunc(join(dir, 'state'));
    bundle(join(dir, 'bundle'));
    const config = join(dir, 'bundle/config.json');
    const good = readFileSync(config, 'utf8');
    const cases: [string, RegExp][] = [
      ['{"ociVersion": "1.0.2", ', /is not valid JSON/],
      [`{"ociVersion":"1.0.2","x":"${'a'.repeat(5 * 1024 * 1024)}"}`, /more than the 4194304 skiff-runc reads/],
      ['[]', /must hold a JSON object/],
      [good.replace('"1.0.2"', '"2.0.0"'), /ociVersion "2.0.0" is not supported/],
      [JSON.stringify({ ...JSON.parse(good), linux: { ...JSON.parse(good).linux, namespaces: [{ type: 'user' }, { type: 'mount' }] } }), /a new user namespace needs linux.uidMappings/],
      [JSON.stringify({ ...JSON.parse(good), linux: { ...JSON.parse(good).linux, cgroupsPath: 'system.slice:skiff:x' } }), /systemd slice path/],
      [JSON.stringify({ ...JSON.parse(good), hooks: { startContainer: [{ path: '/bin/true' }] } }), /hooks.startContainer is not supported/],
      [JSON.stringify({ ...JSON.parse(good), linux: { ...JSON.parse(good).linux, sysctl: { 'kernel.hostname': 'x' } } }), /sysctl kernel.hostname .* not supported/],
      [JSON.stringify({ ...JSON.parse(good), linux: { ...JSON.parse(good).linux, resources: { blockIO: { weight: 10 } } } }), /linux.resources.blockIO is not supported/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(config, text);
      rmSync(join(dir, 'log.json'), { force: true });
      const result = await create(runc, dir, 'bad');
      expect(result.exitCode).toBe(1);
      const err = readFileSync(join(dir, 'err'), 'utf8');
      expect(err).toMatch(message);
      expect(err.trim().split('\n')).toHaveLength(1);
      const logged = lastLogLine(dir);
      expect(logged).toMatchObject({ level: 'error', msg: expect.stringMatching(message) });
      expect(existsSync(join(runc.root, 'bad'))).toBe(false);
    }
    const systemd = await runc.run(['--systemd-cgroup', 'list']);
    expect(systemd.exitCode).toBe(1);
    expect(String(systemd.stderr)).toMatch(/--systemd-cgroup is not supported/);
  });

  it('a console socket path that is a symlink is refused (the pty master goes to no other socket)', async () => {
    const dir = tempDir('oci-');
    const runc = skiffRunc(join(dir, 'state'));
    bundle(join(dir, 'bundle'), (c) => {
      c.process.terminal = true;
      c.linux.cgroupsPath = cgroupsPath();
    });
    const socketPath = join(dir, 'real.sock');
    const server = createServer((connection) => {
      connected = true;
      connection.destroy();
    });
    let connected = false;
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    symlinkSync(socketPath, join(dir, 'link.sock'));
    try {
      const result = await create(runc, dir, 's1', ['--console-socket', join(dir, 'link.sock')]);
      expect(result.exitCode).not.toBe(0);
      expect(readFileSync(join(dir, 'err'), 'utf8')).toMatch(/console socket .*link.sock is a symlink/);
      // The helper's own reason reaches the manager's log (containerd shows the last error from there).
      expect(lastLogLine(dir).msg).toMatch(/could not be created: console socket .*link.sock is a symlink/);
      expect(connected).toBe(false);
      expect(existsSync(join(runc.root, 's1'))).toBe(false);
    } finally {
      server.close();
    }
  });
});

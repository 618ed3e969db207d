// Running a command: output, argv, exit codes, exec errors, env, cwd, hostname, stdin, signals.
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { encodePlan, mountToSyscall, type MountSyscall } from '../src/index.js';
import { createBusyboxRootfs, HOST_MARKER, type HelperOptions, overlayPlan, runHelper, spawnHelper, startHelper, waitFor, waitForInit } from './fixture.js';

const root = requiresRoot('the native helper creates namespaces and mounts');

describe.skipIf(!root)('skiff-helper run', () => {
  let image: ReturnType<typeof createBusyboxRootfs>;
  beforeAll(() => {
    image = createBusyboxRootfs();
  });
  afterAll(() => image?.remove());

  const run = (args: string[], overrides = {}, options: HelperOptions = {}) => runHelper(overlayPlan(image.dir, tempDir(), args, overrides), options);

  it('runs a command in an overlay root and passes its output through', async () => {
    const result = await run(['echo', 'hello']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'hello\n', stderr: '' });
  });

  it('keeps stdout and stderr apart without a tty', async () => {
    const result = await run(['sh', '-c', 'echo out; echo err >&2']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'out\n', stderr: 'err\n' });
  });

  // Pins: arguments joined with spaces on the way in.
  it('delivers argv byte for byte (spaces, quotes, newlines)', async () => {
    const result = await run(['sh', '-c', 'printf "%s|" "$@"', 'x', 'a b', '"q"', 'l1\nl2', '', "it's"]);
    expect(result.stdout).toBe('a b|"q"|l1\nl2||it\'s|');
  });

  it('exits with the container exit code', async () => {
    expect((await run(['sh', '-c', 'exit 3'])).exitCode).toBe(3);
    expect((await run(['false'])).exitCode).toBe(1);
  });

  it('reports a process killed by SIGKILL as 137', async () => {
    // PID 1 of a pid namespace cannot be killed from inside it (the kernel drops the signal), exactly as
    // in docker without --init, so a child shell kills itself and the init passes the status on.
    const result = await run(['sh', '-c', 'sh -c "kill -9 \\$\\$"; exit $?']);
    expect(result.exitCode).toBe(137);
  });

  it('exits 128+N when signal N kills the container init', async () => {
    const helper = startHelper(overlayPlan(image.dir, tempDir(), ['sleep', '30']));
    const init = await waitForInit(helper.child.pid!, 'sleep');
    process.kill(init, 'SIGKILL'); // from the host: an ancestor namespace may SIGKILL an init
    expect((await helper.done).exitCode).toBe(137);
  });

  it('fails with 127 and one docker-like line when the command is not found', async () => {
    const result = await run(['nosuchcmd', 'arg']);
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toBe('skiff: exec: "nosuchcmd": executable file not found in $PATH\n');
    expect(result.stdout).toBe('');
  });

  it('fails with 127 for a missing absolute path', async () => {
    const result = await run(['/no/such/file']);
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toBe('skiff: exec: "/no/such/file": no such file or directory\n');
  });

  it('fails with 126 when the file is not executable', async () => {
    const result = await run(['/etc/passwd']);
    expect(result.exitCode).toBe(126);
    expect(result.stderr).toBe('skiff: exec: "/etc/passwd": permission denied\n');
  });

  it('searches the PATH of the container env, not the host', async () => {
    const plan = { env: ['PATH=/nowhere:/bin'] };
    expect((await run(['echo', 'found'], plan)).stdout).toBe('found\n');
    const missing = await run(['echo', 'found'], { env: ['PATH=/nowhere'] });
    expect(missing.exitCode).toBe(127);
  });

  it('uses the default PATH when the plan sets none', async () => {
    // `env` is found through the default PATH, yet the container env stays empty.
    expect(await run(['env'], { env: [] })).toMatchObject({ exitCode: 0, stdout: '' });
  });

  it('fails setup with 125 and says which mount failed', async () => {
    const overlay = overlayPlan(image.dir, tempDir(), ['true']).filesystem[0] as MountSyscall;
    const root = { ...overlay, data: overlay.data.replace(`lowerdir=${image.dir}`, 'lowerdir=/nonexistent-skiff-lower') };
    const plan = overlayPlan(image.dir, tempDir(), ['true'], { root });
    const result = await runHelper(plan);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe('skiff: mount overlay on /: No such file or directory\n');
  });

  // Regression (CI: `skiff run` killed 91 ms after its start left a `sleep 30` holding its pipes): a caller that
  // died before the helper's first getppid() went unnoticed, since getppid() then answers the reaper.
  it('runs nothing when the caller it was told of is not its parent (it died before we looked)', async () => {
    const stranger = process.ppid; // alive, and not the helper's parent
    const result = await run(['echo', 'must not run'], {}, { caller: stranger });
    expect(result).toMatchObject({ exitCode: 125, stdout: '' });
    expect(result.stderr).toBe('skiff: the caller exited before the container started\n');
    expect((await run(['echo', 'ran'], {}, { caller: process.pid })).stdout).toBe('ran\n');
  });

  it('refuses a caller pid that is not a number', async () => {
    const result = await run(['true'], {}, { caller: 'x1' as unknown as number });
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe("skiff: the caller's pid x1 is not a pid\n");
  });

  it('reads the plan up to "end" without waiting for fd 3 to close', async () => {
    const helper = startHelper(overlayPlan(image.dir, tempDir(), ['echo', 'started']), { keepPlanOpen: true });
    expect(await helper.done).toMatchObject({ exitCode: 0, stdout: 'started\n' });
  });

  // core's start.ts starts the helper before the plan is made; when making it fails, fd 3 ends empty and the
  // CLI alone says why.
  it('exits 125 without a word when fd 3 ends before any plan byte, and still names a plan cut short', async () => {
    expect(await spawnHelper('run', Buffer.alloc(0), { caller: process.pid }).done).toMatchObject({ exitCode: 125, stdout: '', stderr: '' });
    const cut = encodePlan(overlayPlan(image.dir, tempDir(), ['true'])).subarray(0, 10);
    expect(await spawnHelper('run', cut, { caller: process.pid }).done).toMatchObject({ exitCode: 125, stderr: 'skiff: read plan: ended before "end"\n' });
  });

  it('rejects a malformed plan with 125', async () => {
    const plan = overlayPlan(image.dir, tempDir(), []);
    const result = await runHelper(plan);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe('skiff: plan: no command\n');
  });

  // Pins: the host environment leaking into the container.
  it('gives the container exactly the plan env', async () => {
    const env = ['PATH=/bin', 'FOO=bar baz', 'MULTI=line1\nline2', 'EMPTY='];
    const result = await run(['env'], { env });
    expect(result.stdout).toBe(`${env.join('\n')}\n`);
    expect(result.stdout).not.toContain(HOST_MARKER.split('=')[0]);
  });

  it('starts in the plan cwd, creating it if the image lacks it', async () => {
    expect((await run(['pwd'], { cwd: '/tmp' })).stdout).toBe('/tmp\n');
    const created = await run(['sh', '-c', 'pwd; stat -c %a .'], { cwd: '/work/here' });
    expect(created.stdout).toBe('/work/here\n755\n');
  });

  it('sets the hostname', async () => {
    expect((await run(['hostname'], { hostname: 'box-1' })).stdout).toBe('box-1\n');
  });

  it('gives stdin to the container only with stdin 1', async () => {
    const attached = startHelper(overlayPlan(image.dir, tempDir(), ['cat'], { stdin: true }), { stdin: 'pipe' });
    attached.child.stdin!.end('to the container\n');
    expect((await attached.done).stdout).toBe('to the container\n');

    const detached = startHelper(overlayPlan(image.dir, tempDir(), ['cat'], { stdin: false }), { stdin: 'pipe' });
    detached.child.stdin!.on('error', () => {});
    detached.child.stdin!.write('not for the container\n');
    expect(await detached.done).toMatchObject({ exitCode: 0, stdout: '' });
  });

  it('forwards SIGTERM to the container init', async () => {
    const script = 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.05; done';
    const helper = startHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', script]));
    await waitFor(() => helper.stdout().includes('ready'), 'the container to be ready');
    helper.child.kill('SIGTERM');
    const result = await helper.done;
    expect(result).toMatchObject({ exitCode: 7, stdout: 'ready\ngot-term\n' });
  });

  it('the init joins every cgroup file itself (writes 0) before the command runs', async () => {
    const cgroups = tempDir();
    const files = [join(cgroups, 'a.tasks'), join(cgroups, 'b.tasks')];
    for (const file of files) writeFileSync(file, '');
    const volume = mountToSyscall({ type: 'bind', source: cgroups, target: '/cg', options: ['ro'] });
    const result = await run(['sh', '-c', 'echo $(cat /cg/a.tasks) $(cat /cg/b.tasks)'], { cgroupProcs: files, mounts: [volume] });
    expect(result).toMatchObject({ exitCode: 0, stdout: '0 0\n' });
  });

  it('reports a cgroup it cannot join on the status pipe: 125, the reason, no process', async () => {
    const cgroups = tempDir();
    const file = join(cgroups, 'full');
    symlinkSync('/dev/full', file); // opens for writing, and every write fails with ENOSPC
    const result = await run(['true'], { cgroupProcs: [file] });
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe(`skiff: join cgroup ${file}: No space left on device\n`);
  });

  it('fails with 125 when a cgroup cannot be joined, and leaves no process', async () => {
    const result = await run(['true'], { cgroupProcs: ['/nonexistent-skiff-cgroup/cgroup.procs'] });
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe('skiff: open /nonexistent-skiff-cgroup/cgroup.procs: No such file or directory\n');
  });
});

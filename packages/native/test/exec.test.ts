// skiff-helper exec: a command inside a running container — its namespaces, root, cgroups; the plan's env.
import { spawn } from 'node:child_process';
import { readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { mountToSyscall, type ExecPlan } from '../src/index.js';
import { createBusyboxRootfs, HOST_MARKER, isDead, overlayPlan, startExec, startHelper, waitFor, type PlanOverrides } from './fixture.js';

const root = requiresRoot('the native helper enters namespaces');

describe.skipIf(!root)('skiff-helper exec', () => {
  let image: ReturnType<typeof createBusyboxRootfs>;
  beforeAll(() => {
    image = createBusyboxRootfs();
  });
  afterAll(() => image?.remove());

  /** A running container (`sleep 30` as its init, after writing /tmp/marker); returns the init's host pid. */
  async function container(overrides: PlanOverrides = {}): Promise<number> {
    const script = 'echo written-by-the-container > /tmp/marker; echo ready; exec sleep 30';
    const helper = startHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', script], { hostname: 'box-exec', ...overrides }), {
      reportPid: true,
    });
    await waitFor(() => helper.stdout().includes('ready'), 'the container to be ready');
    return (await helper.pid)!;
  }

  const execPlan = (target: number, args: string[], overrides: Partial<ExecPlan> = {}): ExecPlan => ({
    target,
    args,
    env: ['PATH=/bin', 'ONLY=from-the-plan'],
    cwd: '/',
    tty: false,
    stdin: false,
    cgroupProcs: [],
    ...overrides,
  });

  const exec = (target: number, args: string[], overrides: Partial<ExecPlan> = {}) => startExec(execPlan(target, args, overrides)).done;

  it("sees the container's files, hostname and processes, with only the plan's env", async () => {
    const init = await container();
    const script = 'cat /tmp/marker; hostname; echo "pid=$$"; ps -o pid,comm | grep -v "ps$" | tr -s " " | sort; echo ---; env';
    const result = await exec(init, ['sh', '-c', script]);
    expect(result.exitCode).toBe(0);
    const [before = '', env = ''] = result.stdout.split('---\n');
    const lines = before.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(['written-by-the-container', 'box-exec']);
    expect(lines[2]).toMatch(/^pid=\d+$/);
    expect(lines[2]).not.toBe('pid=1');
    const ps = lines.slice(3).map((line) => line.trim());
    expect(ps).toContain('1 sleep'); // the container's init, as PID 1 of the namespace we joined
    expect(ps).toContain(`${lines[2]!.slice(4)} sh`);
    // sh adds PWD and SHLVL itself.
    expect(env.trim().split('\n').filter((line) => !/^(PWD|SHLVL)=/.test(line))).toEqual(['PATH=/bin', 'ONLY=from-the-plan']);
    expect(result.stdout).not.toContain(HOST_MARKER.split('=')[0]);
  });

  it('reports its host pid on fd 4: a process in the namespaces of the container', async () => {
    const init = await container();
    const helper = startExec(execPlan(init, ['sleep', '30']), { reportPid: true });
    const pid = (await helper.pid)!;
    for (const ns of ['pid', 'mnt', 'uts', 'ipc', 'net']) {
      expect(readlinkSync(`/proc/${pid}/ns/${ns}`)).toBe(readlinkSync(`/proc/${init}/ns/${ns}`));
    }
    process.kill(pid, 'SIGKILL');
    expect((await helper.done).exitCode).toBe(137);
  });

  it('starts in the plan cwd', async () => {
    const init = await container();
    expect((await exec(init, ['pwd'], { cwd: '/tmp' })).stdout).toBe('/tmp\n');
  });

  it('fails with 126 and one line when the cwd does not exist', async () => {
    const init = await container();
    const result = await exec(init, ['pwd'], { cwd: '/nonexistent' });
    expect(result).toMatchObject({ exitCode: 126, stdout: '', stderr: 'skiff: exec: chdir to /nonexistent: No such file or directory\n' });
  });

  it('exits with the command exit code', async () => {
    const init = await container();
    expect((await exec(init, ['sh', '-c', 'exit 7'])).exitCode).toBe(7);
  });

  it('fails with 127 when the command is not found in the PATH of the plan', async () => {
    const init = await container();
    const result = await exec(init, ['nosuchcmd']);
    expect(result).toMatchObject({ exitCode: 127, stderr: 'skiff: exec: "nosuchcmd": executable file not found in $PATH\n' });
    expect((await exec(init, ['echo'], { env: ['PATH=/nowhere'] })).exitCode).toBe(127);
  });

  it('runs as the plan user, without root supplementary groups', async () => {
    const init = await container();
    const result = await exec(init, ['sh', '-c', 'id -u; id -g; id -G'], { user: { uid: 65534, gid: 65534 } });
    expect(result).toMatchObject({ exitCode: 0, stdout: '65534\n65534\n65534\n' });
  });

  it('gives the command a pty of the container with tty', async () => {
    const init = await container();
    const result = await exec(init, ['sh', '-c', 'tty; test -t 0 && test -t 1 && echo all-tty; exit 4'], { tty: true });
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toMatch(/^\/dev\/pts\/\d+\r\nall-tty\r\n$/);
  });

  it('relays stdin with stdin 1', async () => {
    const init = await container();
    const helper = startExec(execPlan(init, ['cat'], { stdin: true }), { stdin: 'pipe' });
    helper.child.stdin!.end('into the container\n');
    expect(await helper.done).toMatchObject({ exitCode: 0, stdout: 'into the container\n' });
  });

  it('forwards SIGTERM to the command', async () => {
    const init = await container();
    const helper = startExec(execPlan(init, ['sh', '-c', 'trap "exit 9" TERM; echo ready; while :; do sleep 0.05; done']));
    await waitFor(() => helper.stdout().includes('ready'), 'the command to be ready');
    helper.child.kill('SIGTERM');
    expect((await helper.done).exitCode).toBe(9);
  });

  it('joins every cgroup file itself (writes 0) before the command runs', async () => {
    const cgroups = tempDir();
    const files = [join(cgroups, 'a.tasks'), join(cgroups, 'b.tasks')];
    for (const file of files) writeFileSync(file, '');
    const volume = mountToSyscall({ type: 'bind', source: cgroups, target: '/cg', options: ['ro'] });
    const init = await container({ mounts: [volume] });
    const helper = startExec(execPlan(init, ['sh', '-c', 'echo $(cat /cg/a.tasks) $(cat /cg/b.tasks)'], { cgroupProcs: files }));
    const result = await helper.done;
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('0 0\n');
  });

  it('fails with 125 and a clear line when the container process is gone', async () => {
    const gone = spawn('true');
    await new Promise((resolve) => gone.on('close', resolve));
    await waitFor(() => isDead(gone.pid!), 'the process to be gone');
    const result = await exec(gone.pid!, ['true']);
    expect(result).toMatchObject({ exitCode: 125, stderr: `skiff: container process ${gone.pid} is not running\n` });
  });

  it('leaves the container running when the exec ends', async () => {
    const init = await container();
    await exec(init, ['true']);
    expect(isDead(init)).toBe(false);
  });
});

// --init: the helper's tiny init is PID 1, the command its child: signals reach the command, zombies are reaped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { createBusyboxRootfs, isDead, overlayPlan, procStat, runHelper, startHelper, waitFor } from './fixture.js';

const root = requiresRoot('the native helper creates namespaces and mounts');

describe.skipIf(!root)('skiff-helper run with init', () => {
  let image: ReturnType<typeof createBusyboxRootfs>;
  beforeAll(() => {
    image = createBusyboxRootfs();
  });
  afterAll(() => image?.remove());

  const plan = (args: string[], overrides = {}) => overlayPlan(image.dir, tempDir(), args, { init: true, ...overrides });

  it('runs the command as a child of PID 1, which is skiff-init', async () => {
    const result = await runHelper(plan(['sh', '-c', 'cat /proc/1/comm; echo $$; ps -o pid,comm']));
    expect(result.exitCode).toBe(0);
    const [comm, self, header, ...ps] = result.stdout.trim().split('\n');
    expect(comm).toBe('skiff-init');
    expect(self).toBe('2');
    expect(header).toMatch(/PID\s+COMMAND/);
    // sh execs its last command, so ps is the command now.
    expect(ps.map((line) => line.trim().split(/\s+/))).toEqual([['1', 'skiff-init'], ['2', 'ps']]);
  });

  it('reports the init as the container pid and passes the exit code through', async () => {
    const helper = startHelper(plan(['sh', '-c', 'sleep 0.2; exit 3']), { reportPid: true });
    const pid = (await helper.pid)!;
    expect(procStat(pid)?.comm).toBe('skiff-init');
    expect((await helper.done).exitCode).toBe(3);
  });

  it('fails like without init when the command is not found', async () => {
    const result = await runHelper(plan(['nosuchcmd']));
    expect(result).toMatchObject({ exitCode: 127, stderr: 'skiff: exec: "nosuchcmd": executable file not found in $PATH\n' });
  });

  // Pins: `skiff stop` of `sh -c 'sleep 100'` waiting out the grace period (PID 1 ignores SIGTERM).
  it('stops sh -c "sleep 100" at once on SIGTERM to the init (exit 143)', async () => {
    const helper = startHelper(plan(['sh', '-c', 'sleep 100']), { reportPid: true });
    const pid = (await helper.pid)!;
    const sent = Date.now();
    process.kill(pid, 'SIGTERM');
    expect((await helper.done).exitCode).toBe(143);
    expect(Date.now() - sent).toBeLessThan(2_000);
  });

  it('without init the same SIGTERM is ignored by PID 1 (the reason for --init)', async () => {
    const helper = startHelper(plan(['sh', '-c', 'sleep 100'], { init: false }), { reportPid: true });
    const pid = (await helper.pid)!;
    process.kill(pid, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(isDead(pid)).toBe(false);
    process.kill(pid, 'SIGKILL');
    expect((await helper.done).exitCode).toBe(137);
  });

  it('forwards signals to the command, which may handle them', async () => {
    const script = 'trap "echo got-usr1" USR1; trap "exit 9" TERM; echo ready; while :; do sleep 0.05; done';
    const helper = startHelper(plan(['sh', '-c', script]), { reportPid: true });
    const pid = (await helper.pid)!;
    await waitFor(() => helper.stdout().includes('ready'), 'the command to be ready');
    process.kill(pid, 'SIGUSR1');
    await waitFor(() => helper.stdout().includes('got-usr1'), 'the trap');
    helper.child.kill('SIGTERM'); // helper → init → command
    expect(await helper.done).toMatchObject({ exitCode: 9, stdout: 'ready\ngot-usr1\n' });
  });

  it('reaps orphaned zombies', async () => {
    const result = await runHelper(plan(['sh', '-c', '(sleep 0.1 &) ; sleep 0.5; ps -o stat,comm']));
    expect(result.exitCode).toBe(0);
    const states = result.stdout.trim().split('\n').slice(1);
    // The orphaned sleep was re-parented to PID 1 and has exited; only the init and ps (which sh exec'd) remain.
    expect(states.map((line) => line.trim().split(/\s+/)[1])).toEqual(['skiff-init', 'ps']);
    expect(states.filter((line) => line.trim().startsWith('Z'))).toEqual([]);
  });

  it('works with a tty: the command is in the foreground of its pty, so ^C reaches it', async () => {
    const script = 'tty; trap "echo got-int" INT; echo ready; sleep 5; echo after';
    const helper = startHelper(plan(['sh', '-c', script], { tty: true, stdin: true }), { stdin: 'pipe' });
    await waitFor(() => helper.stdout().includes('ready'), 'the command to be ready');
    helper.child.stdin!.write('\x03'); // the pty's line discipline turns it into SIGINT for its foreground group
    const result = await helper.done;
    expect(result.exitCode).toBe(0);
    expect(result.stdout.replace('^C', '')).toBe('/dev/pts/0\r\nready\r\ngot-int\r\nafter\r\n');
  });
});

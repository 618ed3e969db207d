// What the container can see of the host: processes, network, mounts, kernel tunables; and what is left
// on the host afterwards.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, encodePlan, helperPath } from '../src/index.js';
import {
  childrenOf,
  createBusyboxRootfs,
  isDead,
  mountsUnder,
  overlayPlan,
  runHelper,
  startHelper,
  waitFor,
  waitForInit,
} from './fixture.js';

const root = requiresRoot('the native helper creates namespaces and mounts');

/** The mountpoints a container has when the plan holds only its root (masked and read-only paths the kernel has). */
const SYSTEM_MOUNTS = [
  '/', '/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', ...DEFAULT_READONLY_PATHS, ...DEFAULT_MASKED_PATHS,
];

describe.skipIf(!root)('container isolation', () => {
  let image: ReturnType<typeof createBusyboxRootfs>;
  beforeAll(() => {
    image = createBusyboxRootfs();
  });
  afterAll(() => image?.remove());

  it('shows only its own processes, with the command as PID 1', async () => {
    const result = await runHelper(overlayPlan(image.dir, tempDir(), ['ps']));
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2); // header + ps itself
    expect(lines[1]).toMatch(/^\s*1\s+root\s+ps\s*$/);
  });

  it('has only an up loopback interface with network none', async () => {
    const result = await runHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', 'cat /proc/net/dev; cat /sys/class/net/lo/flags']));
    const lines = result.stdout.trim().split('\n');
    const interfaces = lines.slice(2, -1).map((line) => line.trim().split(':')[0]);
    expect(interfaces).toEqual(['lo']);
    expect(Number.parseInt(lines.at(-1)!, 16) & 1).toBe(1); // IFF_UP
  });

  it('with network host shares the host interfaces and sees /sys read-only all the way down', async () => {
    const script = 'cat /proc/net/dev; echo ---; cat /proc/self/mountinfo; echo ---; touch /sys/x; echo "rc=$?"';
    const result = await runHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', script], { network: 'host' }));
    const [netdev = '', mountinfo = '', touch = ''] = result.stdout.split('---\n');
    const names = (text: string) => text.trim().split('\n').slice(2).map((line) => line.trim().split(':')[0]).sort();
    expect(names(netdev)).toEqual(names(readFileSync('/proc/net/dev', 'utf8')));
    const sys = mountinfo.trim().split('\n').filter((line) => /^\/sys(\/|$)/.test(line.split(' ')[4] ?? ''));
    expect(sys.length).toBeGreaterThan(0);
    for (const line of sys) expect(line.split(' ')[5]).toMatch(/^ro(,|$)/);
    expect(touch).toBe('rc=1\n');
  });

  // Pins: host mounts visible (and leaking) because / was not made rprivate before pivot_root.
  it('sees no host mount, only its own', async () => {
    const scratch = tempDir();
    const result = await runHelper(overlayPlan(image.dir, scratch, ['cat', '/proc/self/mountinfo']));
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const points = lines.map((line) => line.split(' ')[4]);
    for (const point of points) expect(SYSTEM_MOUNTS).toContain(point);
    // Only the root overlay names host paths, in its own options (lowerdir=...), as in docker.
    const mentioning = lines.filter((line) => line.includes(scratch) || line.includes(image.dir));
    expect(mentioning.map((line) => line.split(' ')[4])).toEqual(['/']);
  });

  it('cannot write kernel tunables: /proc/sys is read-only', async () => {
    const script = 'echo hacked > /proc/sys/kernel/hostname; echo "rc=$?"; hostname';
    const result = await runHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', script], { hostname: 'kept' }));
    expect(result.stdout).toBe('rc=1\nkept\n');
    expect(result.stderr).toMatch(/Read-only file system/);
  });

  it('gets a private /dev with the standard nodes and its own devpts', async () => {
    const script = 'ls /dev | sort | tr "\\n" " "; echo; stat -c "%F %a %t:%T" /dev/null; readlink /dev/ptmx; echo hi > /dev/null && echo ok';
    const result = await runHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', script]));
    expect(result.stdout.split('\n')).toEqual([
      'fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero ',
      'character special file 666 1:3',
      'pts/ptmx',
      'ok',
      '',
    ]);
  });

  it('leaves no mount on the host while it runs, and none after the helper is killed with SIGKILL', async () => {
    const scratch = tempDir();
    const helper = startHelper(overlayPlan(image.dir, scratch, ['sleep', '30']));
    const init = await waitForInit(helper.child.pid!, 'sleep');
    expect(mountsUnder(scratch)).toEqual([]);
    expect(mountsUnder(image.dir)).toEqual([]);
    helper.child.kill('SIGKILL');
    await helper.done;
    // PR_SET_PDEATHSIG kills the init; the kernel then kills the pid namespace and drops its mounts.
    await waitFor(() => isDead(init), 'the container init to die');
    expect(mountsUnder(scratch)).toEqual([]);
  });

  it('dies with its caller: SIGKILL of the process that started the helper takes the container down', async () => {
    // A shell stands in for the Node CLI; the helper in the background gets fd 3 from it.
    const scratch = tempDir();
    const caller = spawn('/bin/sh', ['-c', '"$0" run & echo started; wait', helperPath()], {
      stdio: ['ignore', 'pipe', 'inherit', 'pipe'],
    });
    (caller.stdio[3] as NodeJS.WritableStream).end(encodePlan(overlayPlan(image.dir, scratch, ['sleep', '30'])));
    const helperPid = await waitFor(() => childrenOf(caller.pid!)[0], 'the helper to start');
    const init = await waitForInit(helperPid, 'sleep');
    const exited = new Promise((resolve) => caller.on('close', resolve));
    caller.kill('SIGKILL');
    await exited;
    await waitFor(() => isDead(helperPid) && isDead(init), 'the helper and the container to die');
  });
});

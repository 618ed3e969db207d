// skiff-runc driven by real managers: containerd (through its runc shim, `ctr run --runc-binary`) and podman
// (--runtime), each with its own roots, state and sockets in a temp dir, stopped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '@skiff/plugin';
import { requiresRoot, suiteCgroupParent, suitePrefix } from '../../../test/support.js';
import { busyboxArchive, missing, removeCgroupTree, PODMAN_RUN, runcPath, startContainerd, startPodman, type Containerd, type Podman } from './oci-fixture.js';

const IMAGE = 'docker.io/library/busybox:latest';
const noContainerd = missing('containerd', 'ctr', 'script');
const noPodman = missing('podman', 'script');
if (noContainerd) console.warn(`skipped: containerd tests: ${noContainerd}`);
if (noPodman) console.warn(`skipped: podman tests: ${noPodman}`);

describe.runIf(requiresRoot('containerd runs real containers') && !noContainerd)('skiff-runc under containerd (ctr --runc-binary)', () => {
  let dir: string;
  let containerd: Containerd;
  const parent = suiteCgroupParent('ctr-');
  const run = (id: string, args: string[], options: { tty?: boolean; detach?: boolean } = {}) =>
    containerd.ctr(['run', ...(options.detach ? ['-d'] : ['--rm']), ...(options.tty ? ['-t'] : []), '--runc-binary', runcPath, '--runc-root', join(dir, 'runc'), '--cgroup', `/${parent}/${id}`, IMAGE, id, ...args], { tty: options.tty });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${suitePrefix()}containerd-`));
    containerd = await startContainerd(dir);
    const imported = await containerd.ctr(['image', 'import', busyboxArchive(join(dir, 'image'))]);
    expect(imported.exitCode, String(imported.stderr)).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await containerd?.stop();
    removeCgroupTree(parent); // the containers' parent: the manager's, which skiff-runc's delete leaves (as runc)
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('ctr run --rm prints hi through the shim, and passes exit codes', async () => {
    const hi = await run('t1', ['echo', 'hi']);
    expect(hi.exitCode, String(hi.stderr)).toBe(0);
    expect(hi.stdout).toBe('hi');
    expect((await run('t2', ['sh', '-c', 'exit 7'])).exitCode).toBe(7);
    const missingCommand = await run('t3', ['no-such-command']);
    expect(missingCommand.exitCode).toBe(127);
    expect(String(missingCommand.stdout) + String(missingCommand.stderr)).toMatch(/no-such-command.*not found/);
  });

  it('ctr run -t: the container gets a terminal through the console socket', async () => {
    const result = await run('t4', ['sh', '-c', 'tty; echo "$TERM"; exit 3'], { tty: true });
    expect(result.exitCode).toBe(3);
    expect(String(result.stdout)).toMatch(/\/dev\/pts\/0\r*\n/);
  });

  it('ctr task exec, ps, pause, resume and kill on a detached task', async () => {
    const started = await run('t5', ['sleep', '1000'], { detach: true });
    expect(started.exitCode, String(started.stderr)).toBe(0);
    const exec = await containerd.ctr(['task', 'exec', '--exec-id', 'e1', 't5', 'sh', '-c', 'echo exec-ok; exit 5']);
    expect(exec.exitCode).toBe(5);
    expect(exec.stdout).toBe('exec-ok');
    const tty = await containerd.ctr(['task', 'exec', '-t', '--exec-id', 'e2', 't5', 'tty'], { tty: true });
    expect(String(tty.stdout)).toMatch(/\/dev\/pts\/\d+/);
    expect((await containerd.ctr(['task', 'ps', 't5'])).exitCode).toBe(0);
    expect((await containerd.ctr(['task', 'pause', 't5'])).exitCode).toBe(0);
    expect(String((await containerd.ctr(['task', 'ls'])).stdout)).toMatch(/t5\s+\d+\s+PAUSED/);
    expect((await containerd.ctr(['task', 'resume', 't5'])).exitCode).toBe(0);
    expect(String((await containerd.ctr(['task', 'ls'])).stdout)).toMatch(/t5\s+\d+\s+RUNNING/);
    expect((await containerd.ctr(['task', 'kill', '-s', 'SIGKILL', 't5'])).exitCode).toBe(0);
    expect(await pollUntil(async () => /t5\s+\d+\s+STOPPED/.test(String((await containerd.ctr(['task', 'ls'])).stdout)), 10_000)).toBe(true);
    expect((await containerd.ctr(['task', 'delete', 't5'])).exitCode).toBe(0);
    expect((await containerd.ctr(['container', 'delete', 't5'])).exitCode).toBe(0);
  });
});

describe.runIf(requiresRoot('podman runs real containers') && !noPodman)('skiff-runc under podman (--runtime)', () => {
  let dir: string;
  let podman: Podman;
  const parent = suiteCgroupParent('podman-');
  const runFlags = [...PODMAN_RUN, '--cgroup-parent', `/${parent}`];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${suitePrefix()}podman-`));
    podman = startPodman(dir, runcPath);
    const loaded = await podman.podman(['load', '-i', busyboxArchive(join(dir, 'image'))]);
    expect(loaded.exitCode, String(loaded.stderr)).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await podman?.stop();
    removeCgroupTree(parent); // conmon makes cgroups of its own beside the container's
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('run --rm prints through conmon, with exit codes', async () => {
    const hi = await podman.podman(['run', '--rm', ...runFlags, IMAGE, 'echo', 'hi-podman']);
    expect(hi.exitCode, String(hi.stderr)).toBe(0);
    expect(hi.stdout).toBe('hi-podman');
    expect((await podman.podman(['run', '--rm', ...runFlags, IMAGE, 'sh', '-c', 'exit 9'])).exitCode).toBe(9);
    expect((await podman.podman(['run', '--rm', ...runFlags, IMAGE, 'no-such-command'])).exitCode).toBe(127);
  });

  it('run -d, exec, logs, stop, rm', async () => {
    const started = await podman.podman(['run', '-d', '--name', 'p1', ...runFlags, IMAGE, 'sh', '-c', 'echo logged; exec sleep 1000']);
    expect(started.exitCode, String(started.stderr)).toBe(0);
    const exec = await podman.podman(['exec', 'p1', 'sh', '-c', 'echo exec-in; exit 4']);
    expect(exec.exitCode).toBe(4);
    expect(exec.stdout).toBe('exec-in');
    expect(await pollUntil(async () => String((await podman.podman(['logs', 'p1'])).stdout) === 'logged', 10_000)).toBe(true);
    const stopped = await podman.podman(['stop', '-t', '1', 'p1']);
    expect(stopped.exitCode, String(stopped.stderr)).toBe(0);
    expect(String((await podman.podman(['inspect', '-f', '{{.State.Status}}', 'p1'])).stdout)).toBe('exited');
    expect((await podman.podman(['rm', 'p1'])).exitCode).toBe(0);
  });

  it('run -it: an interactive shell on a pty', async () => {
    const shell = await podman.podman(['run', '--rm', '-it', ...runFlags, IMAGE, 'sh'], { tty: true, input: 'echo typed-$((6*7))\nexit 3\n' });
    expect(shell.exitCode).toBe(3);
    expect(String(shell.stdout)).toMatch(/typed-42/);
  });
});

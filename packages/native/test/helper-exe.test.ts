// Attack tests for CVE-2019-5736-style escapes: no process a container can see may have the host's
// skiff-helper file as its exe, under --init (PID 1 is the helper's init for the container's whole life) or
// during `exec` (the window between dropping capabilities and execve). Each test runs a copy of the helper
// (the attack, where it works, damages only that copy) and checks the copy's mode and ctime afterwards.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { helperPath } from '../src/index.js';
import { createBusyboxRootfs, overlayPlan, runHelper, startExec, startHelper, waitFor } from './fixture.js';

const root = requiresRoot('the native helper creates namespaces and mounts');

describe.skipIf(!root)('the host helper is out of a container\'s reach', () => {
  let image: ReturnType<typeof createBusyboxRootfs>;
  beforeAll(() => {
    image = createBusyboxRootfs();
    for (const probe of ['helper-exe', 'ptrace-exec']) {
      const source = fileURLToPath(new URL(`./probe/${probe}.c`, import.meta.url));
      execFileSync('cc', ['-static', '-O2', '-o', join(image.dir, `bin/${probe}`), source]);
    }
  });
  afterAll(() => image?.remove());

  /** A private copy of the helper, and what the probe needs to recognise it (device and inode numbers). */
  function helperCopy() {
    const helper = join(tempDir(), 'skiff-helper');
    copyFileSync(helperPath(), helper);
    chmodSync(helper, 0o755);
    const before = statSync(helper, { bigint: true });
    return {
      helper,
      id: [String(before.dev), String(before.ino)],
      /** The copy as it was: mode and ctime (chmod and setxattr both change the ctime). */
      expectUntouched: () => {
        const after = statSync(helper, { bigint: true });
        expect({ mode: after.mode.toString(8), ctime: after.ctimeNs }).toEqual({ mode: before.mode.toString(8), ctime: before.ctimeNs });
      },
    };
  }

  it('--init: /proc/1/exe is not the host helper, and chmod/setxattr through it leave the host file alone', async () => {
    const { helper, id, expectUntouched } = helperCopy();
    const result = await runHelper(overlayPlan(image.dir, tempDir(), ['helper-exe', 'init', ...id], { init: true }), { helper });
    expect(result.exitCode).toBe(0);
    // The init is non-dumpable (security.c): its /proc/1/exe cannot even be opened without CAP_SYS_PTRACE. Were
    // it opened, it would be the sealed memfd copy ('inode other').
    expect(result.stdout.split('\n')[0]).toBe('open EACCES');
    expectUntouched();
  });

  it('exec: a container process watching new processes never sees the host helper as their exe', async () => {
    const { helper, id, expectUntouched } = helperCopy();
    const seconds = 8;
    const container = startHelper(overlayPlan(image.dir, tempDir(), ['helper-exe', 'watch', ...id, String(seconds)]), {
      helper,
      reportPid: true,
    });
    const target = (await container.pid)!;
    await waitFor(() => container.stdout().includes('ready'), 'the watcher to start');
    const deadline = Date.now() + (seconds - 3) * 1000;
    let execs = 0;
    while (Date.now() < deadline && execs < 40) {
      const plan = { target, args: ['true'], env: ['PATH=/bin'], cwd: '/', tty: false, stdin: false, cgroupProcs: [] };
      expect((await startExec(plan, { helper }).done).exitCode).toBe(0);
      execs++;
    }
    const result = await container.done;
    expect(execs).toBeGreaterThan(10);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('caught 0');
    expectUntouched();
  }, 60_000);

  // Pins: container root ptrace-attached exec'd processes between the capability drop and execve (about one
  // exec in four), and with no-new-privileges, whose seccomp filter comes after the drop, could have skipped it.
  // The helper's processes are now non-dumpable from their capability drop on (as runc's init), until execve.
  it('exec: container root cannot ptrace an exec\'d process before it runs the command', async () => {
    const seconds = 8;
    const container = startHelper(overlayPlan(image.dir, tempDir(), ['ptrace-exec', String(seconds)], { noNewPrivileges: true }), { reportPid: true });
    const target = (await container.pid)!;
    await waitFor(() => container.stdout().includes('ready'), 'the tracer to start');
    const deadline = Date.now() + (seconds - 3) * 1000;
    let execs = 0;
    while (Date.now() < deadline && execs < 40) {
      const plan = { target, args: ['true'], env: ['PATH=/bin'], cwd: '/', tty: false, stdin: false, cgroupProcs: [], noNewPrivileges: true };
      expect((await startExec(plan).done).exitCode).toBe(0);
      execs++;
    }
    const result = await container.done;
    expect(execs).toBeGreaterThan(10);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('attached 0');
  }, 60_000);
});

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';
import { cliPath, expectOneLineError, sandbox, supervisorOf, type Sandbox, waitFor } from './cli.js';

const PULL = ['--pull', 'never'];


/** A raw client of the attach socket (through /proc/self/fd, as the CLI connects). */
function rawClient(socketPath: string) {
  const dir = openSync(join(socketPath, '..'), 'r');
  const socket = createConnection(`/proc/self/fd/${dir}/attach.sock`);
  socket.once('connect', () => closeSync(dir));
  socket.on('error', () => {});
  return socket;
}

/**
 * Runs `skiff ARGS` on a terminal (script(1)), as from a shell: `type` writes keys to it, `output` is what it
 * showed, `exit` its exit code.
 */
function onTerminal(box: Sandbox, args: string[]) {
  const quoted = ['node', '--', cliPath, '--root', box.root, '--run-root', box.runRoot, ...args].map((a) => `'${a}'`).join(' ');
  const script = spawn('script', ['-qec', `stty rows 30 cols 100; ${quoted}`, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, SKIFF_CGROUP_PARENT: box.cgroupParent },
  });
  let output = '';
  script.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => script.on('close', resolve));
  return {
    type: (keys: string) => script.stdin.write(keys),
    output: () => output,
    exit: exit.finally(() => script.stdin.end()),
  };
}

describe.runIf(requiresRoot('attach tests run detached containers'))('run -di and attach', () => {
  it('run -di keeps stdin open; attach relays piped input as it is (no detach keys without a tty); kill ends it', async () => {
    const { skiff } = sandbox();
    const id = (await skiff(['run', '-di', ...PULL, '--name', 'cat', 'busybox', 'cat'])).stdout;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await skiff(['ps'])).stdout).toMatch(/Up .* cat$/);
    const attach = skiff(['attach', 'cat'], { stdin: 'pipe' });
    attach.stdin!.write('hello\n');
    attach.stdin!.write('ctrl\x10\x11keys\n');
    await waitFor(async () => (await skiff(['logs', 'cat'])).stdout === 'hello\nctrl\x10\x11keys', 'cat to echo');
    // A second client sees the same output and can type too.
    const second = skiff(['attach', 'cat'], { stdin: 'pipe' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    second.stdin!.write('from-two\n');
    await waitFor(async () => (await skiff(['logs', 'cat'])).stdout.endsWith('from-two'), 'the second input');
    await skiff(['kill', 'cat']);
    const [first, other] = await Promise.all([attach, second]);
    expect(first.stdout).toBe('hello\nctrl\x10\x11keys\nfrom-two');
    expect(first.exitCode).toBe(137);
    expect(other.stdout).toBe('from-two');
  });

  it("attach waits for the exit and returns the container's exit code, stdout and stderr apart", async () => {
    const { skiff } = sandbox();
    await skiff(['run', '-d', ...PULL, '--name', 'ender', 'busybox', 'sh', '-c', 'sleep 1; echo out; echo err >&2; exit 7']);
    const result = await skiff(['attach', 'ender']);
    expect(result).toMatchObject({ exitCode: 7, stdout: 'out', stderr: 'err' });
  });

  it('refuses a stopped container, an attached run, bad detach keys and a bad --sig-proxy with one line', async () => {
    const { skiff } = sandbox();
    await skiff(['create', ...PULL, '--name', 'idle', 'busybox', 'true']);
    expectOneLineError(await skiff(['attach', 'idle']), /You cannot attach to a stopped container, start it first/);
    await skiff(['run', '-d', ...PULL, '--name', 'up', 'busybox', 'sleep', '30']);
    for (const bad of ['ctrl-1', 'ab', 'ctrl-p,']) {
      expectOneLineError(await skiff(['attach', '--detach-keys', bad, 'up']), new RegExp(`Invalid detach keys \\(${bad}\\) provided`));
    }
    expectOneLineError(await skiff(['attach', '--sig-proxy=maybe', 'up']), /invalid boolean value "maybe" for --sig-proxy/);
    const foreground = skiff(['run', ...PULL, '--name', 'fg', 'busybox', 'sleep', '30']);
    await waitFor(async () => /Up/.test((await skiff(['ps'])).stdout.split('\n').find((l) => l.endsWith('fg')) ?? ''), 'fg to run');
    expectOneLineError(await skiff(['attach', 'fg']), /was not started detached/);
    await skiff(['rm', '-f', 'fg', 'up']);
    await foreground;
  });

  it('attack: the socket is root-only; garbage frames and a client that never reads cannot stop the container', async () => {
    const { skiff, root } = sandbox();
    const id = (await skiff(['run', '-di', ...PULL, '--name', 'loud', 'busybox', 'sh', '-c', 'read go; head -c 4000000 /dev/zero; echo done'])).stdout;
    const socketPath = join(root, 'containers', id, 'attach.sock');
    await waitFor(() => statSync(socketPath, { throwIfNoEntry: false }) !== undefined, 'the socket');
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    // Not our protocol: dropped, nothing else happens.
    const garbage = rawClient(socketPath);
    garbage.write('GET / HTTP/1.1\r\n\r\n');
    // Connected, and never reads its 4 MB of output.
    const stuck = rawClient(socketPath);
    stuck.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    const attach = skiff(['attach', 'loud'], { stdin: 'pipe', stripFinalNewline: false, encoding: 'buffer' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    attach.stdin!.write('go\n');
    const result = await attach;
    expect(result.exitCode).toBe(0);
    expect((result.stdout as unknown as Buffer).length).toBe(4_000_005);
    // The stuck client cost at most its send timeout (5 s), not the container's life.
    expect(Date.now() - started).toBeLessThan(20_000);
    stuck.destroy();
    garbage.destroy();
  });

  it.runIf(existsSync('/usr/bin/script'))('run -it detaches on Ctrl-P Ctrl-Q (exit 0); attach -it reaches the same shell; its exit code ends both', async () => {
    const box = sandbox();
    const run = onTerminal(box, ['run', '-it', ...PULL, '--name', 'shell', 'busybox', 'sh']);
    await waitFor(() => run.output().includes('# '), 'the prompt');
    run.type('echo one-$((40+2))\r');
    await waitFor(() => run.output().includes('one-42'), 'the echo');
    run.type('\x10\x11');
    expect(await run.exit).toBe(0);
    expect(run.output()).not.toMatch(/read escape sequence/);
    expect((await box.skiff(['ps'])).stdout).toMatch(/Up .* shell$/);
    expect(JSON.parse((await box.skiff(['inspect', 'shell'])).stdout)[0].State.Status).toBe('running');
    // The container's size follows the attaching terminal.
    const attach = onTerminal(box, ['attach', 'shell']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    attach.type('stty size; exit 3\r');
    expect(await attach.exit).toBe(3);
    expect(attach.output()).toMatch(/30 100/);
    expect((await box.skiff(['ps', '-a'])).stdout).toMatch(/Exited \(3\)/);
  });

  it.runIf(existsSync('/usr/bin/script'))('run -it --detach-keys takes its own sequence; --rm still removes it when it exits later', async () => {
    const box = sandbox();
    const run = onTerminal(box, ['run', '-it', '--rm', '--detach-keys', 'ctrl-x,y', ...PULL, '--name', 'gone', 'busybox', 'sh']);
    await waitFor(() => run.output().includes('# '), 'the prompt');
    run.type('\x10\x11\x18y');
    expect(await run.exit).toBe(0);
    expect((await box.skiff(['ps'])).stdout).toMatch(/Up .* gone$/);
    const supervisor = await supervisorOf(box, 'gone');
    expect((await box.skiff(['kill', 'gone'])).exitCode).toBe(0);
    // Its exit command goes on writing into the state root after the record is gone (events): wait for it too.
    await waitFor(() => box.containers().length === 0 && !existsSync(`/proc/${supervisor}`), '--rm to remove it and its exit command to finish');
  });

  it('run -a stdout leaves stderr out; bad -a, and -a or --sig-proxy with -d, are refused', async () => {
    const { skiff } = sandbox();
    const result = await skiff(['run', '--rm', '-a', 'stdout', ...PULL, 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'out', stderr: '' });
    expectOneLineError(await skiff(['run', '-a', 'stdlog', ...PULL, 'busybox', 'true']), /valid streams are STDIN, STDOUT and STDERR/);
    expectOneLineError(await skiff(['run', '-d', '-a', 'stdout', ...PULL, 'busybox', 'true']), /Conflicting options: -a and -d/);
    expectOneLineError(await skiff(['run', '-d', '--sig-proxy=false', ...PULL, 'busybox', 'true']), /Conflicting options: --sig-proxy and -d/);
    expectOneLineError(await skiff(['run', '--detach-keys', 'ctrl-', ...PULL, 'busybox', 'true']), /Invalid detach keys \(ctrl-\) provided/);
    expect((await skiff(['ps', '-aq'])).stdout).toBe('');
  });

  it("create -a records the streams as docker's Config.Attach*; start -a still relays stdout and stderr, as docker's", async () => {
    const { skiff, containers } = sandbox();
    const attached = (name: string) => skiff(['inspect', '-f', '{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}}', name]);
    expect((await skiff(['create', '-a', 'STDOUT', '--name', 'out', ...PULL, 'busybox', 'sh', '-c', 'echo out; echo err >&2'])).exitCode).toBe(0);
    expect((await attached('out')).stdout).toBe('false true false');
    // docker's start -a asks for stdout and stderr whatever create recorded (its CLI's start.go; the daemon attaches what is asked).
    expect(await skiff(['start', '-a', 'out'])).toMatchObject({ exitCode: 0, stdout: 'out', stderr: 'err' });
    expect((await skiff(['create', '-i', '-a', 'stderr', '--name', 'in', ...PULL, 'busybox', 'true'])).exitCode).toBe(0);
    expect((await attached('in')).stdout).toBe('true false true');
    expect((await skiff(['create', '--name', 'plain', ...PULL, 'busybox', 'true'])).exitCode).toBe(0);
    expect((await attached('plain')).stdout).toBe('false true true');
    expect((await skiff(['run', '-d', '--name', 'bg', ...PULL, 'busybox', 'true'])).exitCode).toBe(0);
    expect((await attached('bg')).stdout).toBe('false false false');
    expectOneLineError(await skiff(['create', '-a', 'stdlog', ...PULL, 'busybox', 'true']), /invalid argument "stdlog" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR/);
    expect(containers()).toHaveLength(4);
  });

  it('run --sig-proxy=false does not pass SIGTERM on', async () => {
    const { skiff } = sandbox();
    const run = skiff(['run', '--sig-proxy=false', ...PULL, 'busybox', 'sh', '-c', 'trap "echo got-term; exit 5" TERM; sleep 3 & wait; echo quiet']);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    run.kill('SIGTERM');
    const result = await run;
    expect(result.stdout).not.toMatch(/got-term/);
  });
});

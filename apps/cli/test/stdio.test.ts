// The caller's stdio is relayed, never handed into the container (issue 11, escape 5): the container's 0, 1, 2
// are pipes of the helper's (or its pty), so it can neither reopen, seek or truncate the caller's files nor keep
// the caller's terminal after exec returns.
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { sandbox } from './cli.js';

/** An fd of `path` for the CLI's stdio, closed after the test. */
function fdOf(path: string, flags: 'r' | 'a'): number {
  const fd = openSync(path, flags);
  onTestFinished(() => closeSync(fd));
  return fd;
}

/** Host pids whose command line is exactly `argv`. */
function pidsRunning(argv: string[]): number[] {
  const wanted = `${argv.join('\0')}\0`;
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === wanted;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

function fdTargets(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '';
    }
  });
}

describe.runIf(requiresRoot('stdio tests run containers'))('the caller\'s stdio stays out of the container', () => {
  it('attack: a container cannot read back or truncate the file its stdout is appended to', async () => {
    const { skiff } = sandbox();
    const out = join(tempDir('skiff-stdio-'), 'out.txt');
    writeFileSync(out, 'SECRET\n');
    // Through /proc/self/fd/1 the old code reopened the caller's file: read from offset 0, then truncate it.
    const script = 'timeout 1 cat /proc/self/fd/1 >&2; : > /proc/self/fd/1; readlink /proc/self/fd/1 >&2; echo done';
    const result = await skiff(['run', '--rm', 'busybox', 'sh', '-c', script], { stdout: fdOf(out, 'a') });
    expect(result.exitCode).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('SECRET\ndone\n');
    expect(result.stderr).not.toContain('SECRET');
    expect(result.stderr).toMatch(/^pipe:\[\d+\]$/m);
  });

  it('attack: a container cannot reopen its stdin file to read it twice; without -i stdin is /dev/null', async () => {
    const { skiff } = sandbox();
    const input = join(tempDir('skiff-stdio-'), 'in.txt');
    writeFileSync(input, 'line1\n');
    const twice = await skiff(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; timeout 1 cat /proc/self/fd/0; readlink /proc/self/fd/0'], {
      stdin: fdOf(input, 'r'),
    });
    expect(twice.exitCode).toBe(0);
    expect(twice.stdout).toMatch(/^line1\npipe:\[\d+\]$/);
    const closed = await skiff(['run', '--rm', 'busybox', 'sh', '-c', 'cat; readlink /proc/self/fd/0'], { stdin: fdOf(input, 'r') });
    expect(closed.stdout).toBe('/dev/null');
  });

  it('attack: a process an exec leaves behind holds none of the caller\'s descriptors', async () => {
    const { skiff } = sandbox();
    const dir = tempDir('skiff-stdio-');
    const caller = { in: join(dir, 'in'), out: join(dir, 'out'), err: join(dir, 'err') };
    for (const path of Object.values(caller)) writeFileSync(path, '');
    const name = `stdio-${process.pid}`;
    expect((await skiff(['run', '-d', '--name', name, 'busybox', 'sleep', '600'])).exitCode).toBe(0);
    const marker = ['sleep', String(7000 + (process.pid % 1000))];
    for (const interactive of [[], ['-i']]) {
      const exec = await skiff(['exec', ...interactive, name, 'sh', '-c', `${marker.join(' ')} & echo started`], {
        stdin: fdOf(caller.in, 'r'),
        stdout: fdOf(caller.out, 'a'),
        stderr: fdOf(caller.err, 'a'),
      });
      expect(exec.exitCode).toBe(0);
    }
    expect(readFileSync(caller.out, 'utf8')).toBe('started\nstarted\n');
    const left = pidsRunning(marker);
    expect(left).toHaveLength(2);
    for (const pid of left) {
      const targets = fdTargets(pid);
      expect(targets.length).toBeGreaterThan(0);
      for (const path of Object.values(caller)) expect(targets).not.toContain(path);
      for (const target of targets) expect(target).toMatch(/^(pipe:\[\d+\]|\/dev\/null)$/);
    }
    expect((await skiff(['rm', '-f', name])).exitCode).toBe(0);
  });

  it('relays stdin with its EOF, keeps exit codes, and logs attached runs', async () => {
    const { skiff } = sandbox();
    const cat = await skiff(['run', '--rm', '-i', 'busybox', 'cat'], { input: 'hi\n' });
    expect([cat.exitCode, cat.stdout]).toEqual([0, 'hi']);
    const both = await skiff(['run', '--name', 'attached', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect([both.exitCode, both.stdout, both.stderr]).toEqual([3, 'out', 'err']);
    const logs = await skiff(['logs', 'attached']);
    expect([logs.stdout, logs.stderr]).toEqual(['out', 'err']);
    const tty = await skiff(['run', '--rm', '-t', 'busybox', 'sh', '-c', 'for fd in 0 1 2; do readlink /proc/self/fd/$fd; done']);
    expect(tty.stdout.split(/\r?\n/)).toEqual(['/dev/pts/0', '/dev/pts/0', '/dev/pts/0']);
  });
});

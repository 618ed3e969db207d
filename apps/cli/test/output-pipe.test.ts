import { closeSync, constants, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { sandbox, skiffCommand } from './cli.js';

// Output into a non-blocking pipe whose reader is slow (a caller that set O_NONBLOCK on its end, as event loops
// do): every byte must arrive, as into a blocking one. Under Bun the stdout stream dropped what was queued
// beyond the pipe's 64 KiB when the command exited; the CLI now writes with write(2) and waits out EAGAIN.
// Node's spawn makes a child's stdio blocking (libuv clears O_NONBLOCK on fds 0-2, on the shared description),
// so python3 sets it on the pipe and then execs the CLI.
const python = (() => {
  try {
    execFileSync('python3', ['-c', '0']);
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(requiresRoot('these tests create containers'))('output into a full non-blocking pipe', () => {
  it.runIf(python)('inspect of many containers delivers every byte, and the command waits for the reader (needs python3)', async () => {
    const sb = sandbox();
    expect((await sb.skiff(['create', '--name', 'big', '--pull', 'never', 'busybox', 'true'])).exitCode).toBe(0);
    const args = ['inspect', ...Array<string>(60).fill('big')];
    const expected = (await sb.skiff(args)).stdout;
    expect(expected.length).toBeGreaterThan(128 * 1024);

    const fifo = join(tempDir('skiff-test-pipe-'), 'out');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY);
    const nonBlocking = 'import os, sys; os.set_blocking(1, False); os.execvp(sys.argv[1], sys.argv[1:])';
    const cli = skiffCommand(['--root', sb.root, '--run-root', sb.runRoot, ...args]).flat();
    const child = spawn('python3', ['-c', nonBlocking, ...cli], { stdio: ['ignore', writer, 'ignore'] });
    closeSync(writer);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Nothing is read until the command has exited or had time to fill the pipe: a command that drops its
    // output exits early; one that waits cannot exit before the reads below.
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(65536);
    for (;;) {
      let n: number;
      try {
        n = readSync(reader, buffer);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      if (n === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, n)));
    }
    closeSync(reader);
    expect(await exited).toBe(0);
    const received = Buffer.concat(chunks).toString();
    expect(received.length).toBe(expected.length + 1);
    expect(received).toBe(`${expected}\n`);
    expect((await sb.skiff(['rm', 'big'])).exitCode).toBe(0);
  });
});

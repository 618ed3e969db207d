// Output to fd 1 and 2 without making process.stdout/stderr: under Bun the first read of either makes a stream,
// ~10 ms of a short command's start (stdio-used.ts). A plain write(2) does the same work when the fd takes it.
import { writeSync } from 'node:fs';
import { skiffStdio } from './stdio-used.js';

const NAMES = { 1: 'stdout', 2: 'stderr' } as const;
/** Once a write went through the stream, every later one does: written straight, it could pass queued data. */
const streamed = { 1: false, 2: false };

/**
 * Writes `text` whole to fd 1 or 2. Through the stream instead when it is already made (it may hold queued
 * data) or when write(2) fails with anything but EAGAIN (EPIPE, EBADF: the stream's to report as it always
 * did). A non-blocking fd that is full (EAGAIN: a pipe the caller made non-blocking, its reader slow) is waited
 * for, 1 ms at a time, as a blocking one would be: Bun's stream would drop what is queued beyond the pipe's
 * 64 KiB at process.exit (`inspect` of 60 containers into such a pipe lost all but its first 64 KiB).
 */
export function writeOut(fd: 1 | 2, text: string): void {
  const name = NAMES[fd];
  if (streamed[fd] || skiffStdio.opened(name)) return void globalThis.process[name].write(text);
  const bytes = Buffer.from(text);
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(fd, bytes, done);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(PAUSE, 0, 0, 1);
        continue;
      }
      streamed[fd] = true;
      return void skiffStdio[name].write(bytes.subarray(done));
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * Resolves once what the streams a command made hold has left the process: when they are sockets (a parent's
 * child_process stdio is a socketpair) whose reader is slow, writes queue, and exit would drop the queue (a
 * `logs` of 1M lines lost its last ~16 KiB). A stream nothing made has nothing queued, and reading it would make it.
 */
export function flushOpened(): Promise<unknown> {
  return Promise.all((['stdout', 'stderr'] as const).filter(skiffStdio.opened).map((name) => flushed(globalThis.process[name])));
}

/** Resolves once everything written to `stream` so far has left the process (an empty write's callback). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return stream.writableLength === 0 ? Promise.resolve() : new Promise((resolve) => stream.write('', () => resolve()));
}

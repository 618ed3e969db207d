// Output to fd 1 and 2 without making process.stdout/stderr: under Bun the first read of either makes a stream,
// ~10 ms of a short command's start (stdio-used.ts). A plain write(2) does the same work when the fd takes it.
import { writeSync } from 'node:fs';
import { skiffStdio } from './stdio-used.js';

const NAMES = { 1: 'stdout', 2: 'stderr' } as const;
/** Once a write went through the stream, every later one does: written straight, it could pass queued data. */
const streamed = { 1: false, 2: false };

/**
 * Writes `text` whole to fd 1 or 2. Through the stream instead when it is already made (it may hold queued
 * data) or when write(2) fails: a non-blocking fd that is full (EAGAIN) gets the rest through the stream, which
 * waits for it, and any other error (EPIPE, EBADF) is then the stream's to report as it always did.
 */
export function writeOut(fd: 1 | 2, text: string): void {
  const name = NAMES[fd];
  if (streamed[fd] || skiffStdio.opened(name)) return void globalThis.process[name].write(text);
  const bytes = Buffer.from(text);
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(fd, bytes, done);
  } catch {
    streamed[fd] = true;
    skiffStdio[name].write(bytes.subarray(done));
  }
}

import type { ContainerAttachment } from '@skiff/core';
import { FORWARDED_SIGNALS } from '@skiff/native';
import { detachMatcher } from './flags/detach-keys.js';

export interface RelayOptions {
  /** Relay this terminal's stdin (if the container has one open: -i). */
  stdin: boolean;
  /** The detach sequence (parseDetachKeys), watched for when the container has a tty. */
  keys: Buffer;
  /** Without a tty: pass SIGINT, SIGTERM, ... received here on to the container's init (`pid`). */
  sigProxy: boolean;
  pid: number | undefined;
}

/**
 * Relays this process's stdio to an attachment until the container exits (its exit code) or the detach
 * sequence is typed (`detached`). With a tty and a terminal: raw mode, and the terminal's size follows.
 */
export async function relayAttachment(attachment: ContainerAttachment, options: RelayOptions): Promise<{ detached: boolean; exitCode?: number | undefined }> {
  let detached = false;
  attachment.stdout.pipe(process.stdout, { end: false });
  attachment.stderr.pipe(process.stderr, { end: false });
  const cleanups: (() => void)[] = [];

  if (attachment.tty && process.stdout.isTTY) {
    // A terminal that reports no size (0x0) leaves the pty's as it is.
    const resize = () => process.stdout.columns > 0 && process.stdout.rows > 0 && attachment.resize(process.stdout.columns, process.stdout.rows);
    resize();
    process.stdout.on('resize', resize);
    cleanups.push(() => process.stdout.off('resize', resize));
  }
  if (!attachment.tty && options.sigProxy && options.pid) {
    const pid = options.pid;
    const forward = (signal: NodeJS.Signals) => {
      try {
        process.kill(pid, signal);
      } catch {
        // gone: the exit frame follows
      }
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    cleanups.push(() => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    });
  }
  if (options.stdin && attachment.interactive) {
    const raw = attachment.tty && process.stdin.isTTY;
    if (raw) {
      process.stdin.setRawMode(true);
      cleanups.push(() => process.stdin.setRawMode(false));
    }
    // docker watches for the detach keys only with a tty: piped input is passed on as it is.
    const feed = attachment.tty ? detachMatcher(options.keys) : (chunk: Buffer) => ({ forward: chunk, detach: false });
    const onData = (chunk: Buffer) => {
      const { forward, detach } = feed(chunk);
      if (forward.length) attachment.stdin.write(forward);
      if (detach) {
        detached = true;
        attachment.detach();
      }
    };
    process.stdin.on('data', onData);
    cleanups.push(() => {
      process.stdin.off('data', onData);
      process.stdin.pause();
    });
  }
  try {
    const exitCode = await attachment.exit;
    await Promise.all([drained(attachment.stdout), drained(attachment.stderr)]);
    return { detached, exitCode: detached ? undefined : exitCode };
  } finally {
    for (const cleanup of cleanups.reverse()) cleanup();
  }
}

function drained(stream: NodeJS.ReadableStream & { readableEnded?: boolean }): Promise<void> {
  return stream.readableEnded ? Promise.resolve() : new Promise((resolve) => stream.once('end', resolve));
}

import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { basename, dirname } from 'node:path';
import { SkiffError } from './errors.js';

export interface LockOptions {
  /** Named in the error when the lock cannot be had. */
  what?: string;
  /**
   * No longer used: a lock is released by the kernel the moment its holder dies, so nothing is ever stale.
   * Kept so callers written for the old lock directories still compile.
   */
  stale?: number;
}

/** How long a contender waits for a lock before it gives up with UNAVAILABLE (a stop may take its -t and more). */
const WAIT_MS = 60_000;

/*
 * A lock is a Linux abstract unix socket bound under a name derived from the lock path: bind(2) is atomic and
 * fails with EADDRINUSE while another socket has the name, and the kernel drops the name when the holder closes
 * it or dies (kill -9 included), so the next command proceeds at once. Nothing is written to disk per lock, and
 * node:net binds in place (no thread-pool round trip). The name space is per network namespace: every skiff
 * command sharing a state root must run in one (the host's). The name is
 *
 *   "\0skiff-lock/" <hash of the path, 16 hex> "/" <lock file name, cut to 100 bytes in all>
 *
 * Abstract names are public (/proc/net/unix lists held ones), so no secret in them would stay secret: a local
 * user can bind a name to hold that lock (denial of service only; SECURITY.md, known gaps).
 */
/** FNV-1a (64 bits) of the path: the name above stays short for long paths. A collision only serialises. */
function hash(text: string): string {
  let value = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) value = BigInt.asUintN(64, (value ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
  return value.toString(16);
}

/** Abstract names longer than this are refused (EINVAL) by some bind paths; the hash alone makes it unique. */
const MAX_NAME = 100;

function lockName(lockPath: string): string {
  const prefix = `\0skiff-lock/${hash(lockPath).padStart(16, '0')}/`;
  return prefix + basename(lockPath).slice(0, MAX_NAME - prefix.length);
}

/** Binds `name`; undefined while another holds it. */
function tryBind(name: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error)));
    server.listen({ path: name, backlog: 1 }, () => {
      server.unref(); // a held lock does not keep the process alive
      resolve(server);
    });
  });
}

/**
 * Runs `action` holding the lock `lockPath`, across processes and within one (see above: the kernel frees it
 * when the holder dies). Waits up to a minute for another holder, polling; then UNAVAILABLE.
 */
export async function withLock<T>(lockPath: string, action: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  mkdirSync(dirname(lockPath), { recursive: true, mode: 0o700 });
  const name = lockName(lockPath);
  const deadline = Date.now() + WAIT_MS;
  let server: Server | undefined;
  for (let delay = 1; !(server = await tryBind(name)); delay = Math.min(delay * 2, 50)) {
    if (Date.now() > deadline) {
      throw new SkiffError('UNAVAILABLE', `${options.what ?? lockPath} is busy (another skiff command holds its lock); try again`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  try {
    return await action();
  } finally {
    server.close();
  }
}

/** Whether some process holds the lock `lockPath` right now (a snapshot: it may be taken or freed just after). */
export async function isLocked(lockPath: string): Promise<boolean> {
  const server = await tryBind(lockName(lockPath));
  if (!server) return true;
  await new Promise((resolve) => server.close(resolve));
  return false;
}

import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
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

/** A bound lock name; close() gives it back. */
interface Held {
  close(): Promise<void>;
}

/** The little of Bun's API used here (no Bun types in a package built for Node). */
interface BunListener {
  stop(closeActiveConnections?: boolean): void;
  unref(): void;
}
const bun = (globalThis as { Bun?: { listen(options: { unix: string; socket: { data(): void } }): BunListener } }).Bun;

/**
 * Binds `name`; undefined while another holds it. Under Bun (the `skiff` command's runtime where setup gives it
 * one) with Bun.listen, which binds synchronously and needs none of node:net: loading node:net and the streams
 * beneath it costs Bun ~10 ms, more than everything else a `run` locks. Bun.listen binds the name as it is, as
 * Bun's node:net did and as Node 24 does (checked: each sees the other's lock). Node 20 pads an abstract name with
 * NULs to the whole sun_path, a different name: a skiff on Node 20 and one on Bun or Node 24 do not exclude each other.
 */
function tryBind(name: string): Promise<Held | undefined> {
  if (bun) {
    try {
      const listener = bun.listen({ unix: name, socket: { data() {} } });
      listener.unref(); // a held lock does not keep the process alive
      return Promise.resolve({ close: async () => listener.stop(true) });
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? Promise.resolve(undefined) : Promise.reject(error);
    }
  }
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error)));
    server.listen({ path: name, backlog: 1 }, () => {
      server.unref(); // a held lock does not keep the process alive
      resolve({ close: () => new Promise((closed) => server.close(() => closed())) });
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
  let held: Held | undefined;
  for (let delay = 1; !(held = await tryBind(name)); delay = Math.min(delay * 2, 50)) {
    if (Date.now() > deadline) {
      throw new SkiffError('UNAVAILABLE', `${options.what ?? lockPath} is busy (another skiff command holds its lock); try again`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  try {
    return await action();
  } finally {
    void held.close();
  }
}

/** Whether some process holds the lock `lockPath` right now (a snapshot: it may be taken or freed just after). */
export async function isLocked(lockPath: string): Promise<boolean> {
  const held = await tryBind(lockName(lockPath));
  if (!held) return true;
  await held.close();
  return false;
}

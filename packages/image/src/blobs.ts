/**
 * Content-addressed blobs (compressed layers, configs, manifests), as pulled:
 *
 *   <root>/blobs/sha256/<64 hex>       complete, verified blobs; never modified once renamed here
 *   <root>/blobs/.partial/<64 hex>     a download of that blob, written only under its lock; kept when the
 *                                       download breaks off (a dead registry, Ctrl-C, a crash), and continued by
 *                                       the next ingest with a Range request; renamed into sha256/ only after its
 *                                       whole content matched the digest, deleted when it did not
 *   <root>/blobs/.partial/<pid>-<rand> a small blob being written (put); those of processes that are gone are
 *                                       deleted by the next ingest
 *   <root>/locks/blob-<64 hex>.lock    held while one process downloads a blob, so two pulls fetch it once
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { SkiffError, invalidArgument, removeTree } from '@skiff/plugin';
import { withLock } from '@skiff/plugin';
import { crypto, processExists, uniqueSuffix } from './files.js';
import { DIGEST, digestMismatch, sha256 } from './registry/digest.js';

export interface BlobStore {
  /** Path of a stored blob (whether or not it exists). */
  path(digest: string): string;
  has(digest: string): boolean;
  /**
   * Stores the blob `digest` (of `options.size` bytes, when known; `options.what` names it) unless it is there. `open(offset)` gives its bytes
   * from `offset` on (the length of a partial download kept from before), or from 0 with `offset: 0` when it
   * cannot continue; the bytes are hashed after the kept ones and the blob is stored only when the whole matches.
   * One process downloads; others wait for it and reuse the result.
   */
  ingest(digest: string, open: (offset: number) => Promise<{ stream: Readable; offset: number }>, options?: { size?: number; what?: string }): Promise<string>;
  /** Stores small bytes (a config or manifest) under their own digest. */
  put(bytes: Buffer): Promise<string>;
}

/**
 * Runs `action` under the lock at `path`, waiting for as long as another live process holds it (a download
 * can take minutes; proper-lockfile frees the lock of a process that died).
 */
export async function withLongLock<T>(path: string, action: () => Promise<T>, what: string, signal?: AbortSignal): Promise<T> {
  for (;;) {
    try {
      return await withLock(path, action, { what });
    } catch (error) {
      if (!(SkiffError.is(error, 'UNAVAILABLE') && /is busy/.test(error.message)) || signal?.aborted) throw error;
    }
  }
}

export function createBlobStore(root: string): BlobStore {
  const dir = join(root, 'blobs');
  const partial = join(dir, '.partial');
  const path = (digest: string) => {
    if (!DIGEST.test(digest)) throw new SkiffError('INTERNAL', `blob digest ${JSON.stringify(digest)} is damaged`);
    return join(dir, 'sha256', digest.slice('sha256:'.length));
  };

  async function staging(): Promise<string> {
    await mkdir(partial, { recursive: true, mode: 0o700 });
    await mkdir(join(dir, 'sha256'), { recursive: true, mode: 0o700 });
    for (const name of await readdir(partial)) {
      if (!name.includes('-')) continue; // a download kept to be continued
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processExists(pid)) await removeTree(join(partial, name)).catch(() => undefined);
    }
    return join(partial, uniqueSuffix());
  }

  return {
    path,
    has: (digest) => existsSync(path(digest)),

    async ingest(digest, open, options = {}) {
      const { size, what = `blob ${digest}` } = options;
      const final = path(digest);
      if (existsSync(final)) return final;
      return withLongLock(join(root, 'locks', `blob-${digest.slice(7)}.lock`), async () => {
        if (existsSync(final)) return final; // another process finished it while we waited
        await staging();
        const temp = join(partial, digest.slice(7));
        const kept = (await stat(temp).catch(() => undefined))?.size ?? 0;
        // Loaded here, not at the top: `run` of a present image never needs node:stream (start-up time).
        const [{ Transform }, { pipeline }] = await Promise.all([import('node:stream'), import('node:stream/promises')]);
        const { stream, offset } = await open(size !== undefined && kept >= size ? 0 : kept);
        const hash = crypto().createHash('sha256');
        if (offset > 0) for await (const chunk of createReadStream(temp, { end: offset - 1 })) hash.update(chunk as Buffer);
        let seen = offset;
        const counting = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            seen += chunk.length;
            if (size !== undefined && seen > size) return callback(invalidArgument(`${what} is larger than the ${size} bytes its descriptor says; nothing was stored`));
            hash.update(chunk);
            callback(null, chunk);
          },
        });
        try {
          await pipeline(stream, counting, createWriteStream(temp, offset > 0 ? { flags: 'r+', start: offset } : { mode: 0o600 }));
        } catch (error) {
          // A broken connection keeps what came (the next pull continues it); bad bytes are dropped.
          if (SkiffError.is(error, 'INVALID_ARGUMENT')) await rm(temp, { force: true });
          throw error;
        }
        // Ended early without an error: what came is kept for the next pull to continue.
        if (size !== undefined && seen < size) throw new SkiffError('UNAVAILABLE', `the download of ${what} ended after ${seen} of ${size} bytes`, { hint: 'pull again to continue it' });
        const actual = `sha256:${hash.digest('hex')}`;
        if (actual !== digest) {
          await rm(temp, { force: true });
          throw digestMismatch(what, digest, actual);
        }
        await rename(temp, final);
        return final;
      }, `blob ${digest}`);
    },

    async put(bytes) {
      const digest = sha256(bytes);
      const final = path(digest);
      if (existsSync(final)) return digest;
      const temp = await staging();
      try {
        await writeFile(temp, bytes, { mode: 0o600 });
        await rename(temp, final);
      } finally {
        await rm(temp, { force: true });
      }
      return digest;
    },
  };
}

/**
 * Content-addressed blobs (compressed layers, configs, manifests), as pulled:
 *
 *   <root>/blobs/sha256/<64 hex>       complete, verified blobs; never modified once renamed here
 *   <root>/blobs/.partial/<pid>-<rand> a download in progress; renamed into sha256/ only after its digest
 *                                       matched; those of processes that are gone are deleted by the next ingest
 *   <root>/locks/blob-<64 hex>.lock    held while one process downloads a blob, so two pulls fetch it once
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { SkiffError, removeTree } from '@skiff/plugin';
import { withLock } from '@skiff/plugin';
import { processExists, uniqueSuffix } from './files.js';
import { DIGEST, sha256 } from './registry/digest.js';

export interface BlobStore {
  /** Path of a stored blob (whether or not it exists). */
  path(digest: string): string;
  has(digest: string): boolean;
  /**
   * Stores the blob `digest` unless it is there: `open()` gives a stream that fails unless its bytes match the
   * digest (the registry client's). One process downloads; others wait for it and reuse the result.
   */
  ingest(digest: string, open: () => Promise<Readable>): Promise<string>;
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
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processExists(pid)) await removeTree(join(partial, name)).catch(() => undefined);
    }
    return join(partial, uniqueSuffix());
  }

  return {
    path,
    has: (digest) => existsSync(path(digest)),

    async ingest(digest, open) {
      const final = path(digest);
      if (existsSync(final)) return final;
      return withLongLock(join(root, 'locks', `blob-${digest.slice(7)}.lock`), async () => {
        if (existsSync(final)) return final; // another process finished it while we waited
        const temp = await staging();
        try {
          const { pipeline } = await import('node:stream/promises');
          await pipeline(await open(), createWriteStream(temp, { mode: 0o600 }));
          await rename(temp, final);
        } finally {
          await rm(temp, { force: true });
        }
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

/**
 * Blobs are checked while their bytes stream past (as received, before anything else reads them), so a tampered
 * blob is refused without ever being stored.
 */
import type { Transform, TransformCallback } from 'node:stream';
import { invalidArgument } from '@skiff/plugin';
import { crypto } from '../files.js';
import { digestMismatch } from './digest.js';

/**
 * A pass-through stream that hashes what flows through it and fails when more than `size` bytes come (when
 * given), or when the end arrives with the wrong length or digest. Nothing downstream may treat the data as
 * good until this stream has ended without error.
 */
export async function verifyingStream(what: string, expected: string, size?: number): Promise<Transform> {
  // Loaded on first use: `skiff run` of a present image does not need it.
  const { Transform } = await import('node:stream');
  const hash = crypto().createHash('sha256');
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (size !== undefined && seen > size) {
        callback(invalidArgument(`${what} is larger than the ${size} bytes its descriptor says; nothing was stored`));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (size !== undefined && seen !== size) {
        callback(invalidArgument(`${what} is ${seen} bytes, not the ${size} its descriptor says; nothing was stored`));
        return;
      }
      const actual = `sha256:${hash.digest('hex')}`;
      callback(actual === expected ? null : digestMismatch(what, expected, actual));
    },
  });
}

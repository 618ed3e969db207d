/**
 * Content addressing: `sha256:<64 hex>` digests, checked while bytes stream past (as received, before anything
 * else reads them), so a tampered blob or manifest is refused without ever being stored.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { SkiffError, invalidArgument } from '@skiff/plugin';
import { crypto } from '../files.js';

export const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Throws INVALID_ARGUMENT unless `value` is `sha256:<64 lowercase hex>`; `what` names it in the message. */
export function checkDigest(value: unknown, what: string): string {
  if (typeof value !== 'string' || !DIGEST.test(value)) throw invalidArgument(`${what} has the digest ${JSON.stringify(value)}, which is not sha256:<64 hex digits>`);
  return value;
}

export const sha256 = (bytes: Buffer | string) => `sha256:${crypto().createHash('sha256').update(bytes).digest('hex')}`;

/** The error a mismatch raises: one line naming what and both digests. */
export function digestMismatch(what: string, expected: string, actual: string): SkiffError {
  return new SkiffError('INVALID_ARGUMENT', `${what} failed verification: expected ${expected}, got ${actual}; nothing was stored`, {
    hint: 'the registry served different content than its manifest names (a tampered or corrupted registry)',
  });
}

/**
 * A pass-through stream that hashes what flows through it and fails when more than `size` bytes come (when
 * given), or when the end arrives with the wrong length or digest. Nothing downstream may treat the data as
 * good until this stream has ended without error.
 */
export function verifyingStream(what: string, expected: string, size?: number): Transform {
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

/**
 * Content addressing: `sha256:<64 hex>` digests. (The streaming check is in verify-stream.ts, apart, so the
 * `run` path, which only needs these, never loads node:stream.)
 */
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

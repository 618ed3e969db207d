import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

/**
 * Standard input as a byte stream, read from fd 0 directly. Bun's `process.stdin` over a pipe sometimes never
 * delivers the data (`import -` hung, or exited 0 having read nothing, 2 runs in 30); a plain fs stream on fd 0
 * reads the same bytes on Node and Bun.
 */
export function stdinStream(): Readable {
  return createReadStream('', { fd: 0, autoClose: false });
}

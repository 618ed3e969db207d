import { closeSync, openSync, readSync } from 'node:fs';

/**
 * `count` (at most 256) random bytes from the kernel, as hex: ids and names. node:crypto would cost every
 * `skiff run` milliseconds of loading for this alone (more under Bun, whose built-ins are JavaScript).
 */
export function randomHex(count: number): string {
  const bytes = Buffer.alloc(count);
  const fd = openSync('/dev/urandom', 'r');
  try {
    // Reads of up to 256 bytes from /dev/urandom are never short (random(4)).
    readSync(fd, bytes, 0, count, null);
  } finally {
    closeSync(fd);
  }
  return bytes.toString('hex');
}

/**
 * Timestamps for `pnpm bench`'s "where the time goes": set SKIFF_TRACE=1 and each phase prints
 * `skiff-trace <phase> <ms since process start>` on stderr.
 */
import { writeSync } from 'node:fs';

const enabled = process.env.SKIFF_TRACE === '1';

/** Written to fd 2 directly: process.stderr is a stream that costs Bun ~4 ms to make, which a traced run would pay and an untraced one not. */
export function trace(phase: string): void {
  if (enabled) writeSync(2, `skiff-trace ${phase} ${performance.now().toFixed(2)}\n`);
}

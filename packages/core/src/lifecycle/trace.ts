/**
 * Timestamps for `pnpm bench`'s "where the time goes": set SKIFF_TRACE=1 and each phase prints
 * `skiff-trace <phase> <ms since process start>` on stderr.
 */
const enabled = process.env.SKIFF_TRACE === '1';

export function trace(phase: string): void {
  if (enabled) process.stderr.write(`skiff-trace ${phase} ${performance.now().toFixed(2)}\n`);
}

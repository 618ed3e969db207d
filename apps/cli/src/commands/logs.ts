import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

/** RFC 3339 with nanoseconds, as `docker logs -t` prints it. */
export function timestamp(timeNs: bigint): string {
  const seconds = timeNs / 1_000_000_000n;
  const nanos = (timeNs % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${nanos}Z`;
}

export function defineLogs(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('logs'))
    program
      .command('logs')
      .description("print a container's output (stdout to stdout, stderr to stderr)")
      .argument('<container>')
      .option('-f, --follow', 'keep printing new output until the container stops')
      .option('-n, --tail <lines>', 'only the last N lines', (value: string) => {
        if (!/^\d+$/.test(value)) throw new Error(`invalid --tail "${value}": expected a number of lines`);
        return Number(value);
      })
      .option('-t, --timestamps', 'prefix each line with the time it was written')
      .action(async (reference: string, options: { follow?: boolean; tail?: number; timestamps?: boolean }) => {
        const { createContext } = await import('../context.js');
        const { runtime } = await createContext(globals());
        for await (const line of runtime.logs(reference, { follow: options.follow ?? false, tail: options.tail })) {
          const out = line.stream === 'stdout' ? process.stdout : process.stderr;
          const data = options.timestamps ? Buffer.concat([Buffer.from(`${timestamp(line.timeNs)} `), line.data]) : line.data;
          if (!out.write(data)) await new Promise((resolve) => out.once('drain', resolve));
        }
      });
}

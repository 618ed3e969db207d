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
      .option('--since <time>', 'only lines since a timestamp (2013-01-02T13:23:37Z), unix seconds, or a duration ago (42m)')
      .option('--until <time>', 'only lines before a timestamp, unix seconds, or a duration ago')
      .action(async (reference: string, options: { follow?: boolean; tail?: number; timestamps?: boolean; since?: string; until?: string }) => {
        const { logTime } = await import('../flags/log-time.js');
        const now = Date.now();
        const times = {
          ...(options.since === undefined ? {} : { sinceMs: logTime(options.since, '--since', now) }),
          ...(options.until === undefined ? {} : { untilMs: logTime(options.until, '--until', now) }),
        };
        const { createContext } = await import('../context.js');
        const { runtime } = await createContext(globals());
        for await (const line of runtime.logs(reference, { follow: options.follow ?? false, tail: options.tail, ...times })) {
          const out = line.stream === 'stdout' ? process.stdout : process.stderr;
          const data = options.timestamps ? Buffer.concat([Buffer.from(`${timestamp(line.timeNs)} `), line.data]) : line.data;
          if (!out.write(data)) await new Promise((resolve) => out.once('drain', resolve));
        }
      });
}

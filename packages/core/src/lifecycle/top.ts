import { spawnSync } from 'node:child_process';
import { SkiffError, invalidArgument } from '@skiff/plugin';

/** `docker top`'s answer: ps's column titles and the rows of the container's processes. */
export interface ProcessTable {
  titles: string[];
  processes: string[][];
}

/**
 * The rows of `ps` output whose PID is one of `pids`. Each row is split into as many fields as the header has;
 * the last (the command) keeps its spaces.
 */
export function psRows(output: string, pids: Set<number>): ProcessTable {
  const [header = '', ...lines] = output.split('\n').filter((line) => line.trim() !== '');
  const titles = header.trim().split(/\s+/);
  const pidColumn = titles.indexOf('PID');
  if (pidColumn < 0) throw invalidArgument("Couldn't find PID field in ps output");
  const processes = lines
    .map((line) => {
      const fields = line.trim().split(/\s+/);
      return [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
    })
    .filter((fields) => pids.has(Number(fields[pidColumn])));
  return { titles, processes };
}

/** docker top: the host's `ps` with `psArgs` (default -ef), keeping the rows of `pids` (the container's cgroup's). */
export function processTable(name: string, pids: number[], psArgs: string[]): ProcessTable {
  if (pids.length === 0) throw new SkiffError('FAILED_PRECONDITION', `container ${name} is not running`, { exitCode: 1 });
  const ps = spawnSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  if (ps.status !== 0) {
    const why = ps.error?.message ?? ps.stderr.split('\n')[0] ?? '';
    throw new SkiffError('INVALID_ARGUMENT', `ps ${psArgs.join(' ')} failed: ${JSON.stringify(why).slice(1, -1)}`, { exitCode: 1 });
  }
  return psRows(ps.stdout, new Set(pids));
}
